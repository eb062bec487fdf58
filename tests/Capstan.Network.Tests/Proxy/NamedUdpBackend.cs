using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Capstan.Network.Tests.Proxy;

/// <summary>A UDP backend that answers every datagram with "&lt;name&gt;:&lt;datagram&gt;".</summary>
public sealed class NamedUdpBackend : IDisposable
{
    private readonly Socket _socket;

    public NamedUdpBackend(string name, IPAddress address)
    {
        Name = name;
        _socket = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        _socket.Bind(new IPEndPoint(address, 0));
        EndPoint = (IPEndPoint)_socket.LocalEndPoint!;
        _ = ServeAsync();
    }

    public string Name { get; }

    public IPEndPoint EndPoint { get; }

    public void Dispose() => _socket.Dispose();

    private async Task ServeAsync()
    {
        var buffer = new byte[65535];
        try
        {
            while (true)
            {
                var result = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0));
                var reply = Encoding.ASCII.GetBytes(Name + ":" + Encoding.ASCII.GetString(buffer, 0, result.ReceivedBytes));
                await _socket.SendToAsync(reply, SocketFlags.None, result.RemoteEndPoint);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }
}
