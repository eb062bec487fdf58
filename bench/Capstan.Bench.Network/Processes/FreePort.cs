using System.Net;
using System.Net.Sockets;

namespace Capstan.Bench.Network.Processes;

public static class FreePort
{
    public static int Next(IPAddress? address = null)
    {
        using var listener = new TcpListener(address ?? IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
