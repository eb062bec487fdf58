using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Capstan.Network.Tests.Proxy;

/// <summary>A TCP backend that greets every connection with its name and a newline, then echoes until the client closes.</summary>
public sealed class NamedTcpBackend : IDisposable
{
    private readonly Socket _listener;

    public NamedTcpBackend(string name, IPAddress address)
    {
        Name = name;
        _listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(address, 0));
        _listener.Listen(128);
        EndPoint = (IPEndPoint)_listener.LocalEndPoint!;
        _ = AcceptLoopAsync();
    }

    public string Name { get; }

    public IPEndPoint EndPoint { get; }

    public int Accepted => Volatile.Read(ref _accepted);

    private int _accepted;

    public void Dispose() => _listener.Dispose();

    private async Task AcceptLoopAsync()
    {
        try
        {
            while (true)
            {
                var socket = await _listener.AcceptAsync();
                Interlocked.Increment(ref _accepted);
                _ = ServeAsync(socket);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        using var _ = socket;
        try
        {
            await socket.SendAsync(Encoding.ASCII.GetBytes(Name + "\n"), SocketFlags.None);
            var buffer = new byte[64 * 1024];
            while (true)
            {
                var count = await socket.ReceiveAsync(buffer, SocketFlags.None);
                if (count == 0)
                {
                    socket.Shutdown(SocketShutdown.Send);
                    return;
                }

                await socket.SendAsync(buffer.AsMemory(0, count), SocketFlags.None);
            }
        }
        catch (SocketException)
        {
        }
    }
}
