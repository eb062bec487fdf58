using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Capstan.Network.Tests.Ingress.Http1;

/// <summary>
/// A raw TCP backend: on each connection it reads one request head and writes <paramref name="answer"/>, then closes;
/// with <paramref name="keepAliveOnce"/> it keeps the connection after the answer and closes it, unanswered, when the
/// next request arrives (a keep-alive connection the backend dropped just as it was reused).
/// </summary>
internal sealed class ScriptedBackend : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();

    public ScriptedBackend(string answer, bool keepAliveOnce = false)
    {
        _listener.Start();
        _ = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                Socket socket;
                try
                {
                    socket = await _listener.AcceptSocketAsync(_stop.Token);
                }
                catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
                {
                    return;
                }

                _ = Task.Run(async () =>
                {
                    using (socket)
                    {
                        var buffer = new byte[16 * 1024];
                        var count = 0;
                        while (!Encoding.ASCII.GetString(buffer, 0, count).Contains("\r\n\r\n", StringComparison.Ordinal))
                        {
                            var read = await socket.ReceiveAsync(buffer.AsMemory(count), SocketFlags.None);
                            if (read == 0)
                            {
                                return;
                            }

                            count += read;
                        }

                        await socket.SendAsync(Encoding.ASCII.GetBytes(answer), SocketFlags.None);
                        if (keepAliveOnce)
                        {
                            await socket.ReceiveAsync(buffer.AsMemory(), SocketFlags.None);
                            return;
                        }

                        socket.Shutdown(SocketShutdown.Send);
                    }
                });
            }
        });
    }

    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndpoint;

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _stop.Dispose();
    }
}
