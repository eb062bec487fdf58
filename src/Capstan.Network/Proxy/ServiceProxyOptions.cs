using System.Net;

namespace Capstan.Network.Proxy;

/// <summary>Settings of the service proxy on one node.</summary>
public sealed record ServiceProxyOptions
{
    /// <summary>This node's name: <c>internalTrafficPolicy</c>/<c>externalTrafficPolicy: Local</c> keep to endpoints whose nodeName matches.</summary>
    public required string NodeName { get; init; }

    /// <summary>The node address NodePorts listen on.</summary>
    public IPAddress NodeIp { get; init; } = IPAddress.Loopback;

    /// <summary>How long a UDP flow (client address and port) keeps its backend socket with no traffic: conntrack's 30 s UDP timeout.</summary>
    public TimeSpan UdpIdleTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Gives up on a backend that has not accepted within this time and tries the next.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How TCP payload is copied between the client and the backend; see bench/README.md for the measurements.</summary>
    public ProxyRelayMode Relay { get; init; } = ProxyRelayMode.Epoll;

    /// <summary>How often listeners that failed to bind (an address not on this host, a port in use) are tried again.</summary>
    public TimeSpan BindRetryInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>When set and the service CIDR is not loopback, ClusterIPs are bound on a link so pods reach them; see <see cref="ServiceAddressBinder"/>.</summary>
    public ServiceAddressOptions? ServiceAddresses { get; init; }
}
