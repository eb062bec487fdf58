using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Capstan.Bench.Network.Proxy;

/// <summary>
/// The cheapest HTTP/1.1 server we could write: it counts request ends (CRLFCRLF; wrk sends bodiless GETs) and answers
/// each with the same fixed 200. Cheaper than Kestrel or capstan-testserver, so the proxy in front is the bottleneck.
/// </summary>
public sealed class HttpBackend : IDisposable
{
    private static readonly byte[] s_response = Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nhello, world\n");
    private readonly Socket _listener;

    public HttpBackend(IPEndPoint endPoint)
    {
        _listener = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        _listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Bind(endPoint);
        _listener.Listen(1024);
        EndPoint = endPoint;
        _ = AcceptLoopAsync();
    }

    public IPEndPoint EndPoint { get; }

    public void Dispose() => _listener.Dispose();

    private async Task AcceptLoopAsync()
    {
        try
        {
            while (true)
            {
                var socket = await _listener.AcceptAsync().ConfigureAwait(false);
                socket.NoDelay = true;
                _ = ServeAsync(socket);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }

    private static async Task ServeAsync(Socket socket)
    {
        using var _ = socket;
        var buffer = new byte[8192];
        var responses = new byte[s_response.Length * 64];
        var matched = 0;
        try
        {
            while (true)
            {
                var count = await socket.ReceiveAsync(buffer, SocketFlags.None).ConfigureAwait(false);
                if (count == 0)
                {
                    return;
                }

                var requests = 0;
                for (var i = 0; i < count; i++)
                {
                    var b = buffer[i];
                    matched = b == (matched % 2 == 0 ? (byte)'\r' : (byte)'\n') ? matched + 1 : (b == '\r' ? 1 : 0);
                    if (matched == 4)
                    {
                        requests++;
                        matched = 0;
                    }
                }

                while (requests > 0)
                {
                    var batch = Math.Min(requests, 64);
                    for (var i = 0; i < batch; i++)
                    {
                        s_response.CopyTo(responses, i * s_response.Length);
                    }

                    await socket.SendAsync(responses.AsMemory(0, batch * s_response.Length), SocketFlags.None).ConfigureAwait(false);
                    requests -= batch;
                }
            }
        }
        catch (SocketException)
        {
        }
    }
}
