using System.Net;
using System.Net.Sockets;
using System.Text;
using Capstan.Network.Ingress.Http1;

namespace Capstan.Network.Tests.Ingress.Http1;

/// <summary>A client that writes raw request bytes on one connection and reads whole responses as their framing says.</summary>
internal sealed class RawHttpClient : IDisposable
{
    private readonly Socket _socket;
    private readonly byte[] _buffer = new byte[256 * 1024];
    private int _count;

    private RawHttpClient(Socket socket)
    {
        _socket = socket;
    }

    public static async Task<RawHttpClient> ConnectAsync(int port)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(IPAddress.Loopback, port);
        return new RawHttpClient(socket);
    }

    public Task SendAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text));

    public async Task SendAsync(byte[] bytes) => await _socket.SendAsync(bytes, SocketFlags.None);

    public void ShutdownSend() => _socket.Shutdown(SocketShutdown.Send);

    /// <summary>One response: status, head text and body (chunked bodies kept as sent), after any 1xx heads.</summary>
    public async Task<(int Status, string Head, string Body)> ReadResponseAsync(bool headRequest = false)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var head = new Http1ResponseHead();
        while (true)
        {
            Http1ParseStatus status;
            while ((status = head.Parse(_buffer.AsSpan(0, _count), headRequest)) == Http1ParseStatus.Incomplete)
            {
                if (!await ReceiveAsync(timeout.Token))
                {
                    throw new IOException("connection closed before a response head: " + Encoding.UTF8.GetString(_buffer, 0, _count));
                }
            }

            Assert.Equal(Http1ParseStatus.Complete, status);
            var headText = Encoding.ASCII.GetString(_buffer, 0, head.Length);
            Consume(head.Length);
            if (head.StatusCode is >= 100 and < 200 and not 101)
            {
                continue;
            }

            var body = new StringBuilder();
            switch (head.Framing)
            {
                case BodyFraming.ContentLength:
                    while (_count < head.ContentLength)
                    {
                        Assert.True(await ReceiveAsync(timeout.Token), "closed inside the body");
                    }

                    body.Append(Encoding.UTF8.GetString(_buffer, 0, (int)head.ContentLength));
                    Consume((int)head.ContentLength);
                    break;
                case BodyFraming.Chunked:
                    var scanner = default(ChunkedScanner);
                    while (true)
                    {
                        var used = scanner.Scan(_buffer.AsSpan(0, _count));
                        body.Append(Encoding.UTF8.GetString(_buffer, 0, used));
                        Consume(used);
                        Assert.False(scanner.IsInvalid);
                        if (scanner.IsDone)
                        {
                            break;
                        }

                        Assert.True(await ReceiveAsync(timeout.Token), "closed inside the chunked body");
                    }

                    break;
                case BodyFraming.UntilClose:
                    while (await ReceiveAsync(timeout.Token))
                    {
                    }

                    body.Append(Encoding.UTF8.GetString(_buffer, 0, _count));
                    Consume(_count);
                    break;
            }

            return (head.StatusCode, headText, head.Framing == BodyFraming.Chunked ? Dechunk(body.ToString()) : body.ToString());
        }
    }

    // "5\r\nhello\r\n0\r\n\r\n" -> "hello" (no extensions or trailers in these tests).
    private static string Dechunk(string chunked)
    {
        var body = new StringBuilder();
        var position = 0;
        while (true)
        {
            var lineEnd = chunked.IndexOf("\r\n", position, StringComparison.Ordinal);
            var size = Convert.ToInt32(chunked[position..lineEnd].Split(';')[0], 16);
            if (size == 0)
            {
                return body.ToString();
            }

            body.Append(chunked, lineEnd + 2, size);
            position = lineEnd + 2 + size + 2;
        }
    }

    /// <summary>True when the server closed the connection (a read gives 0 bytes, or a reset).</summary>
    public async Task<bool> IsClosedAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            return !await ReceiveAsync(timeout.Token);
        }
        catch (SocketException)
        {
            return true;
        }
    }

    public async Task<string> ReadRawAsync(int atLeast)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while (_count < atLeast && await ReceiveAsync(timeout.Token))
        {
        }

        var text = Encoding.UTF8.GetString(_buffer, 0, _count);
        Consume(_count);
        return text;
    }

    private async Task<bool> ReceiveAsync(CancellationToken ct)
    {
        var read = await _socket.ReceiveAsync(_buffer.AsMemory(_count), SocketFlags.None, ct);
        _count += read;
        return read > 0;
    }

    private void Consume(int count)
    {
        Buffer.BlockCopy(_buffer, count, _buffer, 0, _count - count);
        _count -= count;
    }

    public void Dispose() => _socket.Dispose();
}
