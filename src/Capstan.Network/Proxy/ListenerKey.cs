using System.Net;
using System.Net.Sockets;

namespace Capstan.Network.Proxy;

/// <summary>One address, port and protocol the proxy listens on.</summary>
internal readonly record struct ListenerKey(IPAddress Address, int Port, ProtocolType Protocol)
{
    public override string ToString() => $"{Protocol.ToString().ToUpperInvariant()} {new IPEndPoint(Address, Port)}";
}
