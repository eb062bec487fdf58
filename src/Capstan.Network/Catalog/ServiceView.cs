using System.Net;

namespace Capstan.Network.Catalog;

/// <summary>
/// An immutable picture of one Service and its EndpointSlices. A new instance replaces the old on every change, so
/// readers never lock.
/// </summary>
public sealed record ServiceView
{
    public required ServiceKey Key { get; init; }

    /// <summary>ClusterIP, NodePort, LoadBalancer or ExternalName.</summary>
    public required string Type { get; init; }

    /// <summary>The cluster IPs; empty for headless and ExternalName services.</summary>
    public required IReadOnlyList<IPAddress> ClusterIps { get; init; }

    public bool Headless { get; init; }

    public string? ExternalName { get; init; }

    public required IReadOnlyList<ServicePortView> Ports { get; init; }

    /// <summary>Every endpoint of the service's slices, deduplicated by address.</summary>
    public required IReadOnlyList<EndpointView> Endpoints { get; init; }

    /// <summary>None or ClientIP.</summary>
    public string SessionAffinity { get; init; } = "None";

    public int SessionAffinityTimeoutSeconds { get; init; } = 10800;

    /// <summary>Cluster or Local.</summary>
    public string InternalTrafficPolicy { get; init; } = "Cluster";

    /// <summary>Cluster or Local (NodePort and LoadBalancer only).</summary>
    public string ExternalTrafficPolicy { get; init; } = "Cluster";

    public bool PublishNotReadyAddresses { get; init; }

    /// <summary>The addresses in status.loadBalancer.ingress (ServiceLB puts node addresses there).</summary>
    public IReadOnlyList<IPAddress> LoadBalancerIps { get; init; } = [];

    public IReadOnlyList<IPAddress> ExternalIps { get; init; } = [];

    public IReadOnlyDictionary<string, string> Annotations { get; init; } = new Dictionary<string, string>();

    /// <summary>The canary's share in percent when the Service's traffic is split (<see cref="CanaryAnnotations"/>); null otherwise.</summary>
    public int? CanaryWeight { get; init; }
}
