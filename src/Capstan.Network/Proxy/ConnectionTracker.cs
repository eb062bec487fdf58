using System.Collections.Concurrent;
using System.Net.Sockets;

namespace Capstan.Network.Proxy;

/// <summary>The client sockets of open relayed connections, so that stopping the proxy closes them.</summary>
internal sealed class ConnectionTracker
{
    private readonly ConcurrentDictionary<Socket, byte> _open = new(ReferenceEqualityComparer.Instance);

    public int Count => _open.Count;

    public void Add(Socket socket) => _open.TryAdd(socket, 0);

    public void Remove(Socket socket) => _open.TryRemove(socket, out _);

    public void CloseAll()
    {
        foreach (var socket in _open.Keys)
        {
            TcpFrontend.Reset(socket);
        }
    }
}
