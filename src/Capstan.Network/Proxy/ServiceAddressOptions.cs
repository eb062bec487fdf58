using System.Net;

namespace Capstan.Network.Proxy;

/// <summary>Where the service address binder puts ClusterIPs that are not loopback addresses.</summary>
public sealed record ServiceAddressOptions
{
    /// <summary>ClusterIPs inside this CIDR are bound; others (external, LoadBalancer) are left to whoever owns them.</summary>
    public required IPNetwork ServiceCidr { get; init; }

    /// <summary>The link holding the addresses, as kube-proxy's IPVS mode keeps them on kube-ipvs0.</summary>
    public string InterfaceName { get; init; } = "capstan-svc";

    /// <summary>Removes the bound addresses on dispose (tests, a second agent on one machine); the link stays.</summary>
    public bool RemoveOnDispose { get; init; } = true;

    /// <summary>
    /// Whether a service CIDR needs binding: outside 127.0.0.0/8 a ClusterIP is no local address until it is added
    /// to a link, so neither the proxy can listen on it nor can pods' packets to it be delivered to the host.
    /// </summary>
    public static bool Needed(IPNetwork serviceCidr) =>
        serviceCidr.BaseAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork
        && !IPNetwork.Parse("127.0.0.0/8").Contains(serviceCidr.BaseAddress);
}
