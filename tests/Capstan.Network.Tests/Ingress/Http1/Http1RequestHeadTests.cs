using System.Text;
using Capstan.Network.Ingress.Http1;

namespace Capstan.Network.Tests.Ingress.Http1;

public sealed class Http1RequestHeadTests
{
    [Fact]
    public void Parse_SimpleGet_ReadsRouteFieldsAndNoBody()
    {
        var (head, bytes) = Parse("GET /api/v1?x=1 HTTP/1.1\r\nHost: One.Test:8080\r\nAccept: */*\r\n\r\n");

        Assert.Equal(bytes.Length, head.Length);
        Assert.Equal("One.Test", head.HostName(bytes));
        Assert.Equal("/api/v1", head.RoutingPath(bytes));
        Assert.Equal(BodyFraming.None, head.Framing);
        Assert.False(head.Close);
        Assert.False(head.Http10);
        Assert.False(head.WantsUpgrade);
    }

    [Theory]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n", "ContentLength", 5L)]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", "None", 0L)]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 7, 7\r\n\r\n", "ContentLength", 7L)]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", "Chunked", 0L)]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n", "Chunked", 0L)]
    public void Parse_BodyFraming_FollowsContentLengthAndTransferEncoding(string text, string framing, long length)
    {
        var (head, _) = Parse(text);

        Assert.Equal(Enum.Parse<BodyFraming>(framing), head.Framing);
        Assert.Equal(length, head.ContentLength);
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\n\r\n")] // no Host on HTTP/1.1
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost : a\r\n\r\n")] // whitespace before the colon
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n")] // obsolete line folding
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n")]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n")]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n")]
    [InlineData("GET / HTTP/2.0\r\nHost: a\r\n\r\n")]
    [InlineData("GET /a b HTTP/1.1\r\nHost: a\r\n\r\n")]
    [InlineData("G(T / HTTP/1.1\r\nHost: a\r\n\r\n")]
    [InlineData("GET example.com HTTP/1.1\r\nHost: a\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\nHost: a\r\n\r\n")] // bare LF
    public void Parse_MalformedHead_IsMalformed(string text)
    {
        var head = new Http1RequestHead();

        Assert.Equal(Http1ParseStatus.Malformed, head.Parse(Encoding.ASCII.GetBytes(text)));
    }

    [Fact]
    public void Parse_PartialHead_IsIncompleteUntilTheBlankLine()
    {
        var head = new Http1RequestHead();
        var text = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
        for (var i = 0; i < text.Length; i++)
        {
            Assert.Equal(Http1ParseStatus.Incomplete, head.Parse(Encoding.ASCII.GetBytes(text[..i])));
        }

        Assert.Equal(Http1ParseStatus.Complete, head.Parse(Encoding.ASCII.GetBytes(text)));
    }

    [Fact]
    public void Parse_PipelinedRequests_EachHeadEndsAtItsBlankLine()
    {
        var bytes = Encoding.ASCII.GetBytes("GET /one HTTP/1.1\r\nHost: one.test\r\n\r\nGET /two HTTP/1.1\r\nHost: two.test\r\n\r\n");
        var head = new Http1RequestHead();

        Assert.Equal(Http1ParseStatus.Complete, head.Parse(bytes));
        Assert.Equal("one.test", head.HostName(bytes));
        var rest = bytes.AsSpan(head.Length).ToArray();
        Assert.Equal(Http1ParseStatus.Complete, head.Parse(rest));
        Assert.Equal("two.test", head.HostName(rest));
        Assert.Equal("/two", head.RoutingPath(rest));
        Assert.Equal(rest.Length, head.Length);
    }

    [Fact]
    public void Parse_Http2Preface_IsRecognised()
    {
        var head = new Http1RequestHead();

        Assert.Equal(Http1ParseStatus.Incomplete, head.Parse("PRI * HTTP/2.0\r\n"u8));
        Assert.Equal(Http1ParseStatus.Http2Preface, head.Parse("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8));
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", true)]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nConnection: Keep-Alive, Close\r\n\r\n", true)]
    [InlineData("GET / HTTP/1.0\r\n\r\n", true)]
    [InlineData("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", false)]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\n\r\n", false)]
    public void Parse_Connection_DecidesWhetherTheClientCloses(string text, bool close)
    {
        Assert.Equal(close, Parse(text).Head.Close);
    }

    [Theory]
    [InlineData("/a%20b", "/a b")]
    [InlineData("/a%2Fb", "/a%2Fb")]
    [InlineData("/caf%C3%A9", "/café")]
    [InlineData("http://x.test/p/q?z", "/p/q")]
    [InlineData("http://x.test", "/")]
    public void RoutingPath_DecodesAsKestrel(string target, string path)
    {
        var (head, bytes) = Parse($"GET {target} HTTP/1.1\r\nHost: a\r\n\r\n");

        Assert.Equal(path, head.RoutingPath(bytes));
    }

    [Theory]
    [InlineData("[::1]:80", "[::1]")]
    [InlineData("web.test.", "web.test")]
    [InlineData("web.test.:8080", "web.test")]
    public void HostName_DropsPortAndTrailingDot(string host, string expected)
    {
        var (head, bytes) = Parse($"GET / HTTP/1.1\r\nHost: {host}\r\n\r\n");

        Assert.Equal(expected, head.HostName(bytes));
    }

    [Fact]
    public void WriteForwarded_DropsHopByHopAndSetsXForwarded()
    {
        var (head, bytes) = Parse("GET /x HTTP/1.1\r\nHost: web.test\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\nX-Forwarded-For: 6.6.6.6\r\nAccept: text/plain\r\n\r\n");
        var output = new byte[1024];

        var written = head.WriteForwarded(bytes, output, "10.1.2.3"u8, tls: false);

        Assert.Equal(
            "GET /x HTTP/1.1\r\nHost: web.test\r\nAccept: text/plain\r\nX-Forwarded-For: 10.1.2.3\r\nX-Forwarded-Proto: http\r\nX-Forwarded-Host: web.test\r\n\r\n",
            Encoding.ASCII.GetString(output, 0, written));
    }

    [Fact]
    public void WriteForwarded_Upgrade_KeepsConnectionUpgrade()
    {
        var (head, bytes) = Parse("GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\r\n");
        var output = new byte[1024];

        var text = Encoding.ASCII.GetString(output, 0, head.WriteForwarded(bytes, output, "1.2.3.4"u8, tls: false));

        Assert.True(head.WantsUpgrade);
        Assert.Contains("\r\nConnection: upgrade\r\nUpgrade: websocket\r\n", text, StringComparison.Ordinal);
        Assert.Contains("\r\nSec-WebSocket-Version: 13\r\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void WriteForwarded_TooSmall_ReturnsMinusOne()
    {
        var (head, bytes) = Parse("GET / HTTP/1.1\r\nHost: a\r\n\r\n");

        Assert.Equal(-1, head.WriteForwarded(bytes, new byte[10], "1.2.3.4"u8, tls: false));
    }

    private static (Http1RequestHead Head, byte[] Bytes) Parse(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var head = new Http1RequestHead();
        Assert.Equal(Http1ParseStatus.Complete, head.Parse(bytes));
        return (head, bytes);
    }
}
