using System.Net;

namespace Capstan.Network.Dns;

/// <summary>The settings of the cluster DNS server.</summary>
public sealed record ClusterDnsOptions
{
    public const string DefaultClusterDomain = "cluster.local";

    /// <summary>The zone the server is authoritative for (`--cluster-domain`).</summary>
    public string ClusterDomain { get; init; } = DefaultClusterDomain;

    /// <summary>Where the server listens, on UDP and TCP.</summary>
    public IPEndPoint ListenEndPoint { get; init; } = new(IPAddress.Loopback, 10053);

    /// <summary>Time-to-live of every cluster answer, and of the negative answers' SOA (CoreDNS also defaults to 5 s).</summary>
    public int TtlSeconds { get; init; } = 5;

    /// <summary>Servers that names outside the cluster domain are forwarded to, tried in order.</summary>
    public IReadOnlyList<IPEndPoint> Upstreams { get; init; } = [];

    /// <summary>How long one upstream gets to answer before the next is tried.</summary>
    public TimeSpan UpstreamTimeout { get; init; } = TimeSpan.FromSeconds(2);
}
