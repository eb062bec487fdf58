using Capstan.Network.Catalog;
using Yarp.ReverseProxy.Configuration;

namespace Capstan.Network.Ingress;

/// <summary>Everything the ingress serves at one moment, built from the Ingresses, Services and Secrets by <see cref="IngressSnapshotBuilder"/>.</summary>
public sealed class IngressSnapshot
{
    public required RoutingTable Table { get; init; }

    /// <summary>One YARP cluster per service port in use, its destinations the port's ready endpoints.</summary>
    public required IReadOnlyList<ClusterConfig> Clusters { get; init; }

    public required CertificateStore Certificates { get; init; }

    /// <summary>The Ingresses this controller serves (their status gets the node address).</summary>
    public required IReadOnlyList<System.Text.Json.Nodes.JsonObject> Ingresses { get; init; }

    /// <summary>Services the routes use: only their changes need a rebuild.</summary>
    public required IReadOnlySet<ServiceKey> Services { get; init; }

    /// <summary>TLS Secrets ("namespace/name") the routes use.</summary>
    public required IReadOnlySet<string> Secrets { get; init; }

    public static IngressSnapshot Empty { get; } = new()
    {
        Table = RoutingTable.Empty,
        Clusters = [],
        Certificates = CertificateStore.Empty,
        Ingresses = [],
        Services = new HashSet<ServiceKey>(),
        Secrets = new HashSet<string>(),
    };
}
