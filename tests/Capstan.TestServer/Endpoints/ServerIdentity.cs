using System.Net;

namespace Capstan.TestServer.Endpoints;

/// <summary>Who this server says it is: the hostname, and the address it was told to bind (Any: whatever the client reached).</summary>
internal sealed record ServerIdentity(string Hostname, IPAddress BoundAddress)
{
    /// <summary>$HOSTNAME as the runtime sets it for a container, else the kernel's host name (the pod's in a UTS namespace).</summary>
    public static string CurrentHostname() =>
        Environment.GetEnvironmentVariable("HOSTNAME") is { Length: > 0 } hostname ? hostname : Environment.MachineName;

    /// <summary>The IP the server answers on: the bound address, or, bound to Any, the local address of the connection.</summary>
    public IPAddress AddressFor(EndPoint? local)
    {
        if (!BoundAddress.Equals(IPAddress.Any) && !BoundAddress.Equals(IPAddress.IPv6Any))
        {
            return BoundAddress;
        }

        return local is IPEndPoint endPoint
            ? (endPoint.Address.IsIPv4MappedToIPv6 ? endPoint.Address.MapToIPv4() : endPoint.Address)
            : BoundAddress;
    }
}
