using System.Text;
using Capstan.TestServer.Http;

namespace Capstan.TestServer.Tests.Http;

public sealed class HttpRequestReaderTests
{
    [Fact]
    public async Task ReadAsync_PipelinedRequests_ReadsEachThenNull()
    {
        var reader = ReaderOver(
            "GET /echo?msg=a HTTP/1.1\r\nHost: x\r\nX-One:  spaced  \r\n\r\n" +
            "POST /echo HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello" +
            "GET http://example/ip?z=1 HTTP/1.0\r\n\r\n");

        var first = await reader.ReadAsync(CancellationToken.None);
        var second = await reader.ReadAsync(CancellationToken.None);
        var third = await reader.ReadAsync(CancellationToken.None);

        Assert.Equal(("GET", "/echo", "msg=a"), (first!.Method, first.Path, first.Query));
        Assert.Equal("spaced", first.Header("x-one"));
        Assert.True(first.KeepAlive);
        Assert.Equal(("POST", "hello"), (second!.Method, Encoding.ASCII.GetString(second.Body)));
        Assert.Equal(("/ip", "z=1", "HTTP/1.0"), (third!.Path, third.Query, third.Version));
        Assert.False(third.KeepAlive);
        Assert.Null(await reader.ReadAsync(CancellationToken.None));
    }

    [Fact]
    public async Task ReadAsync_LargeHeadAndBodyAcrossBufferGrowth_ReadsWhole()
    {
        var value = new string('v', 20_000);
        var body = new string('b', 100_000);
        var reader = ReaderOver($"POST /echo HTTP/1.1\r\nX-Big: {value}\r\nContent-Length: {body.Length}\r\n\r\n{body}");

        var request = await reader.ReadAsync(CancellationToken.None);

        Assert.Equal(value, request!.Header("X-Big"));
        Assert.Equal(body, Encoding.ASCII.GetString(request.Body));
    }

    [Theory]
    [InlineData("GET /\r\n\r\n", 400)]
    [InlineData("GET / HTTP/2.0\r\n\r\n", 505)]
    [InlineData("GET / HTTP/1.1\r\nno colon\r\n\r\n", 400)]
    [InlineData("POST / HTTP/1.1\r\nContent-Length: -4\r\n\r\n", 400)]
    [InlineData("POST / HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n", 413)]
    [InlineData("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 501)]
    [InlineData("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nshort", 400)]
    [InlineData("GET / HTTP/1.1\r\nHost: cut", 400)]
    public async Task ReadAsync_Malformed_ThrowsWithStatus(string text, int status)
    {
        var reader = ReaderOver(text);

        var e = await Assert.ThrowsAsync<HttpParseException>(async () => await reader.ReadAsync(CancellationToken.None));

        Assert.Equal(status, e.StatusCode);
    }

    [Fact]
    public void Serialize_Response_HasLengthAndConnectionHeaders()
    {
        var bytes = HttpResponseWriter.Serialize(new HttpResponse(503, "not ready"), keepAlive: false);

        Assert.Equal(
            "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 9\r\nConnection: close\r\n\r\nnot ready",
            Encoding.ASCII.GetString(bytes));
    }

    private static HttpRequestReader ReaderOver(string text) =>
        new(new MemoryStream(Encoding.ASCII.GetBytes(text)), remote: null, local: null);
}
