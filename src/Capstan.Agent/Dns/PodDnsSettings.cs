using System.Net;

namespace Capstan.Agent.Dns;

/// <summary>What a node knows about cluster DNS: the kubelet's --cluster-dns and --cluster-domain, and the host's resolv.conf.</summary>
public sealed record PodDnsSettings
{
    /// <summary>The default cluster DNS address: the tenth address of the default service CIDR 127.43.0.0/16 (k3s: 10.43.0.10).</summary>
    public static readonly IPAddress DefaultClusterDns = IPAddress.Parse("127.43.0.10");

    public const string DefaultClusterDomain = "cluster.local";

    public const string HostResolvConfPath = "/etc/resolv.conf";

    /// <summary>Nameservers of ClusterFirst pods; empty makes ClusterFirst fall back to Default, as the kubelet does.</summary>
    public IReadOnlyList<IPAddress> ClusterDns { get; init; } = [DefaultClusterDns];

    public string ClusterDomain { get; init; } = DefaultClusterDomain;

    /// <summary>The resolv.conf that Default pods (and hostNetwork ClusterFirst pods) inherit.</summary>
    public string HostResolvConf { get; init; } = HostResolvConfPath;
}
