using System.Text;
using Capstan.Network.Ingress.Http1;

namespace Capstan.Network.Tests.Ingress.Http1;

public sealed class ChunkedScannerTests
{
    private const string Body = "5\r\nhello\r\n1A;ext=1\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nTrailer: yes\r\n\r\n";

    [Fact]
    public void Scan_WholeBody_EndsAfterTheTrailers()
    {
        var scanner = default(ChunkedScanner);
        var bytes = Encoding.ASCII.GetBytes(Body + "GET /next");

        var consumed = scanner.Scan(bytes);

        Assert.True(scanner.IsDone);
        Assert.Equal(Body.Length, consumed);
    }

    [Fact]
    public void Scan_OneByteAtATime_EndsAtTheSamePlace()
    {
        var scanner = default(ChunkedScanner);
        var bytes = Encoding.ASCII.GetBytes(Body);
        for (var i = 0; i < bytes.Length; i++)
        {
            Assert.False(scanner.IsDone);
            Assert.Equal(1, scanner.Scan(bytes.AsSpan(i, 1)));
        }

        Assert.True(scanner.IsDone);
    }

    [Fact]
    public void Scan_EmptyBody_IsZeroChunkAndBlankLine()
    {
        var scanner = default(ChunkedScanner);

        Assert.Equal(5, scanner.Scan("0\r\n\r\nX"u8));
        Assert.True(scanner.IsDone);
    }

    [Theory]
    [InlineData("x\r\n")]
    [InlineData("\r\n")]
    [InlineData("5\r\nhelloXX")]
    [InlineData("5\nhello\r\n")]
    [InlineData("1000000000000000\r\n")]
    public void Scan_NotChunked_IsInvalid(string text)
    {
        var scanner = default(ChunkedScanner);

        scanner.Scan(Encoding.ASCII.GetBytes(text));

        Assert.True(scanner.IsInvalid);
    }
}
