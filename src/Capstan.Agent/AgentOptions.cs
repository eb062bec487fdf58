using System.Net;

namespace Capstan.Agent;

/// <summary>How one node agent runs. Defaults follow Capstan's (faster than Kubernetes') node heartbeat.</summary>
public sealed record AgentOptions
{
    public required string NodeName { get; init; }

    /// <summary>Agent state under &lt;DataDir&gt;/agent, pod logs under &lt;DataDir&gt;/pods/logs, volumes under &lt;DataDir&gt;/pods/&lt;uid&gt;/volumes.</summary>
    public required string DataDir { get; init; }

    /// <summary>Reported as the node's InternalIP and the pods' hostIP.</summary>
    public IPAddress NodeIp { get; init; } = IPAddress.Loopback;

    /// <summary>Where the streaming server listens; reported as status.daemonEndpoints.kubeletEndpoint.Port.</summary>
    public int DaemonPort { get; init; } = 10250;

    /// <summary>Adds node-role.kubernetes.io/control-plane="true" to the node's labels.</summary>
    public bool ControlPlane { get; init; }

    /// <summary>Extra node labels (e.g. from --node-label).</summary>
    public IReadOnlyDictionary<string, string> NodeLabels { get; init; } = new Dictionary<string, string>();

    /// <summary>Taints the Node is registered with (the kubelet's --register-with-taints); applied only when the agent creates the Node.</summary>
    public IReadOnlyList<k8s.Models.V1Taint> RegisterWithTaints { get; init; } = [];

    public TimeSpan NodeStatusUpdateFrequency { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Status is posted at least this often even when nothing changed (Kubernetes' nodeStatusReportFrequency).</summary>
    public TimeSpan NodeStatusReportFrequency { get; init; } = TimeSpan.FromMinutes(1);

    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(40);

    /// <summary>Capstan renews every 2 s: its node lifecycle controller treats 8 s without renewal as a dead node.</summary>
    public TimeSpan LeaseRenewInterval { get; init; } = TimeSpan.FromSeconds(2);

    public int MaxPods { get; init; } = 110;

    /// <summary>Subtracted from capacity to give allocatable (the kubelet's system-reserved plus kube-reserved).</summary>
    public long ReservedCpuMillis { get; init; }

    public long ReservedMemoryBytes { get; init; }

    /// <summary>First restart back-off; doubles per crash up to <see cref="MaxBackOff"/> (Kubernetes: 10 s to 300 s).</summary>
    public TimeSpan BackOffBase { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan MaxBackOff { get; init; } = TimeSpan.FromSeconds(300);

    /// <summary>A container that ran this long before it exited restarts with the back-off reset.</summary>
    public TimeSpan BackOffResetAfter { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>How often each pod worker resyncs even when nothing woke it.</summary>
    /// <summary>
    /// The longest a mounted ConfigMap or Secret change takes to reach the files when its watch misses it (the watch
    /// normally delivers it within a second); the kubelet's sync period plus cache TTL, at most 60 s by default.
    /// </summary>
    public TimeSpan ConfigVolumeSyncPeriod { get; init; } = TimeSpan.FromSeconds(60);

    public TimeSpan PodResyncInterval { get; init; } = TimeSpan.FromSeconds(10);

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Where the built-in local-path provisioner creates one directory per volume; null for &lt;DataDir&gt;/storage.</summary>
    public string? LocalPathRoot { get; init; }

    /// <summary>Runs the built-in local-path provisioner (StorageClass provisioner capstan.io/local-path) on this node.</summary>
    public bool EnableLocalPathProvisioner { get; init; } = true;

    /// <summary>Node-pressure eviction (--eviction-hard and friends); null turns it off.</summary>
    public Eviction.EvictionOptions? Eviction { get; init; } = new();

    internal string StorageRoot => LocalPathRoot ?? Path.Combine(DataDir, "storage");
    /// <summary>
    /// The pod CIDR of runtimes that give pods their own network namespace (cri: the CNI bridge's subnet, `--cluster-cidr`);
    /// null for the process and fake runtimes, whose pod IPs come from their own pool.
    /// </summary>
    public string? ClusterCidr { get; init; }

    /// <summary>Image garbage collection starts when the image filesystem's disk is fuller than this percent (the kubelet's imageGCHighThresholdPercent)...</summary>
    public int ImageGcHighThresholdPercent { get; init; } = 85;

    /// <summary>...and removes unused images, least recently used first, until it is at most this full.</summary>
    public int ImageGcLowThresholdPercent { get; init; } = 80;

    /// <summary>How often image garbage collection and the orphan reconcile run (the kubelet's ImageGCPeriod and housekeeping).</summary>
    public TimeSpan HousekeepingInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Cluster DNS address and domain for the pods' resolv.conf (--cluster-dns, --cluster-domain).</summary>
    public Dns.PodDnsSettings Dns { get; init; } = new();

    internal string AgentDir => Path.Combine(DataDir, "agent");

    internal string PodLogRoot => Path.Combine(DataDir, "pods", "logs");

    internal string PodLogDirectory(string ns, string name, string uid) => Path.Combine(PodLogRoot, $"{ns}_{name}_{uid}");

    internal string PodDirectory(string uid) => Path.Combine(DataDir, "pods", uid);

    internal string EmptyDirPath(string uid, string volume) => Path.Combine(PodDirectory(uid), "volumes", "kubernetes.io~empty-dir", volume);
}
