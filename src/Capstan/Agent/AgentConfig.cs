using System.Net;

namespace Capstan.Agent;

/// <summary>The settings of a node agent, embedded in `capstan server` or run as `capstan agent`.</summary>
public sealed record AgentConfig
{
    public required string NodeName { get; init; }

    /// <summary>Agent state, pod logs and volumes live under it (&lt;data-dir&gt;/agent, &lt;data-dir&gt;/pods).</summary>
    public required string DataDir { get; init; }

    /// <summary>The node's InternalIP; the API server reaches the agent's streaming port there.</summary>
    public IPAddress NodeIp { get; init; } = IPAddress.Loopback;

    /// <summary>The agent's streaming port (logs, exec, attach, port-forward), the kubelet's 10250.</summary>
    public int Port { get; init; } = 10250;

    /// <summary>Pod IPs of the process runtime: loopback addresses route to lo with no set-up. Two agents on one machine need different ranges.</summary>
    public string PodCidr { get; init; } = "127.10.0.0/16";

    public const string DefaultContainerRuntimeEndpoint = "unix:///run/containerd/containerd.sock";

    /// <summary>k3s' default pod CIDR.</summary>
    public const string DefaultClusterCidr = "10.42.0.0/16";

    /// <summary>
    /// "process" (host processes, the default), "cri" (containerd at <see cref="ContainerRuntimeEndpoint"/>) or "fake"
    /// (pods go Running at once without processes: scale tests). The flag's "auto" is resolved before it gets here.
    /// </summary>
    public string Runtime { get; init; } = "process";

    /// <summary>The CRI socket (unix:///path or a path) of the cri runtime.</summary>
    public string ContainerRuntimeEndpoint { get; init; } = DefaultContainerRuntimeEndpoint;

    /// <summary>Pod IPs of the cri runtime: the CNI configuration's subnet (`--cluster-cidr`).</summary>
    public string ClusterCidr { get; init; } = DefaultClusterCidr;

    /// <summary>Where the cri runtime's CNI configuration is written when the directory holds none (containerd's conf_dir).</summary>
    public string CniConfDir { get; init; } = "/etc/cni/net.d";

    public int ImageGcHighThresholdPercent { get; init; } = 85;

    public int ImageGcLowThresholdPercent { get; init; } = 80;

    /// <summary>The file behind an endpoint: unix:///run/x.sock and /run/x.sock are both /run/x.sock.</summary>
    public static string SocketPath(string endpoint) => endpoint.StartsWith("unix://", StringComparison.Ordinal) ? endpoint["unix://".Length..] : endpoint;

    /// <summary>First restart back-off of crashing containers (Kubernetes: 10 s, doubling to 5 min).</summary>
    public TimeSpan BackOffBase { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Bound on how late a changed ConfigMap or Secret reaches mounted files (AgentOptions.ConfigVolumeSyncPeriod).</summary>
    public TimeSpan ConfigVolumeSyncPeriod { get; init; } = TimeSpan.FromSeconds(60);

    public bool ControlPlane { get; init; }

    /// <summary>Root of the local-path provisioner's volume directories; null for &lt;data-dir&gt;/storage.</summary>
    public string? LocalPathRoot { get; init; }
    /// <summary>The nameserver of ClusterFirst pods (`--cluster-dns`); null: the tenth address of the default service CIDR.</summary>
    public IPAddress? ClusterDns { get; init; }

    /// <summary>The cluster DNS zone pods search (`--cluster-domain`).</summary>
    public string ClusterDomain { get; init; } = "cluster.local";
    /// <summary>The cluster's service CIDR; outside 127.0.0.0/8 the proxy binds ClusterIPs on a link (capstan-svc) so pods reach them. Null: loopback CIDR, nothing to bind.</summary>
    public string? ServiceCidr { get; init; }

    /// <summary>Run no service proxy on this node (--disable-proxy).</summary>
    public bool DisableProxy { get; init; }

    /// <summary>Port of the service proxy's Prometheus /metrics on the node IP (kube-proxy's 10249); 0 for none.</summary>
    public int ProxyMetricsPort { get; init; } = 10249;

    /// <summary>How the service proxy copies TCP payload (--proxy-relay buffer|splice|epoll; see bench/README.md).</summary>
    public Capstan.Network.Proxy.ProxyRelayMode ProxyRelay { get; init; } = Capstan.Network.Proxy.ProxyRelayMode.Epoll;

    /// <summary>Node-pressure eviction (--eviction-hard, --eviction-pressure-transition-period); null for none.</summary>
    public Capstan.Agent.Eviction.EvictionOptions? Eviction { get; init; } = new();
}
