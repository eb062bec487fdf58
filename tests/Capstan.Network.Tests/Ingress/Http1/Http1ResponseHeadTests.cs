using System.Text;
using Capstan.Network.Ingress.Http1;

namespace Capstan.Network.Tests.Ingress.Http1;

public sealed class Http1ResponseHeadTests
{
    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", false, "ContentLength", false)]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", false, "None", false)]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", false, "Chunked", false)]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", false, "UntilClose", true)]
    [InlineData("HTTP/1.1 200 OK\r\n\r\n", false, "UntilClose", true)]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", true, "None", false)] // HEAD
    [InlineData("HTTP/1.1 204 No Content\r\n\r\n", false, "None", false)]
    [InlineData("HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n", false, "None", false)]
    [InlineData("HTTP/1.1 100 Continue\r\n\r\n", false, "None", false)]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\n", false, "ContentLength", true)]
    [InlineData("HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\n", false, "ContentLength", true)]
    [InlineData("HTTP/1.0 200 OK\r\nContent-Length: 3\r\nConnection: keep-alive\r\n\r\n", false, "ContentLength", false)]
    [InlineData("HTTP/1.1 200\r\nContent-Length: 3\r\n\r\n", false, "ContentLength", false)] // no reason phrase
    public void Parse_Framing_FollowsRfc9112(string text, bool headRequest, string framing, bool close)
    {
        var head = new Http1ResponseHead();

        Assert.Equal(Http1ParseStatus.Complete, head.Parse(Encoding.ASCII.GetBytes(text), headRequest));
        Assert.Equal(Enum.Parse<BodyFraming>(framing), head.Framing);
        Assert.Equal(close, head.Close);
        Assert.Equal(text.Length, head.Length);
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n")]
    [InlineData("HTTP/1.1 2x0 OK\r\n\r\n")]
    [InlineData("HTTP/2 200 OK\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n")]
    [InlineData("garbage\r\n\r\n")]
    public void Parse_Malformed_IsMalformed(string text)
    {
        Assert.Equal(Http1ParseStatus.Malformed, new Http1ResponseHead().Parse(Encoding.ASCII.GetBytes(text), headRequest: false));
    }

    [Fact]
    public void Parse_Partial_IsIncomplete()
    {
        Assert.Equal(Http1ParseStatus.Incomplete, new Http1ResponseHead().Parse("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n"u8, headRequest: false));
    }

    [Fact]
    public void WriteForwarded_DropsHopByHopAndAddsCloseWhenAsked()
    {
        var bytes = Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\nContent-Length: 2\r\n\r\n");
        var head = new Http1ResponseHead();
        Assert.Equal(Http1ParseStatus.Complete, head.Parse(bytes, headRequest: false));
        var output = new byte[256];

        Assert.True(head.HasHopByHop);
        Assert.Equal("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n", Encoding.ASCII.GetString(output, 0, head.WriteForwarded(bytes, output, closeClient: false)));
        Assert.Equal("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n", Encoding.ASCII.GetString(output, 0, head.WriteForwarded(bytes, output, closeClient: true)));
    }
}
