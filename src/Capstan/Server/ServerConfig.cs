using System.Net;
using Capstan.ApiServer.Security;

namespace Capstan.Server;

/// <summary>The settings of `capstan server`, from its flags.</summary>
public sealed record ServerConfig
{
    public required string DataDir { get; init; }

    public IPAddress BindAddress { get; init; } = IPAddress.Loopback;

    public int HttpsPort { get; init; } = 6443;

    public IReadOnlyList<string> TlsSans { get; init; } = [];

    /// <summary>The ClusterIP of the `kubernetes` Service: the first address of the service CIDR.</summary>
    /// <summary>
    /// k3s uses 10.43.0.0/16. On the process runtime pods share the host's network, and every 127.0.0.0/8 address is
    /// already local, so the service proxy can listen on ClusterIPs there without adding addresses or routes.
    /// </summary>
    public const string DefaultServiceCidr = "127.43.0.0/16";

    public string ServiceCidr { get; init; } = DefaultServiceCidr;

    /// <summary>`--audit-log-path`: one JSON line per request; null: no audit log. `--audit-log-maxsize` MB rotates it (0: never).</summary>
    public string? AuditLogPath { get; init; }

    public int AuditLogMaxSizeMegabytes { get; init; }

    /// <summary>`--audit-policy-file`, parsed; null logs every request at Metadata.</summary>
    public Capstan.ApiServer.Audit.AuditPolicy? AuditPolicy { get; init; }

    /// <summary>Validity of issued leaf certificates (`--certificate-validity`), renewed with a third left; how often that is checked.</summary>
    public TimeSpan CertificateValidity { get; init; } = ClusterPki.DefaultLeafValidity;

    /// <summary>How long Events are kept after their last write (--event-ttl).</summary>
    public TimeSpan EventTtl { get; init; } = Capstan.ApiServer.Expiry.EventExpiry.DefaultTtl;

    public TimeSpan CertificateCheckInterval { get; init; } = CertificateRotator.DefaultCheckInterval;

    /// <summary>Run without the controller manager (namespace controller, garbage collector), as k3s's --disable-controller-manager.</summary>
    public bool DisableControllerManager { get; init; }

    /// <summary>Run without the scheduler (pods stay Pending unless something else binds them), as k3s's --disable-scheduler.</summary>
    public bool DisableScheduler { get; init; }

    /// <summary>The embedded node agent; null runs none (`--disable-agent`).</summary>
    public Capstan.Agent.AgentConfig? Agent { get; init; }

    /// <summary>The scheduler's profiles from `--scheduler-config` (a KubeSchedulerConfiguration); empty for the default profile.</summary>
    public IReadOnlyList<Capstan.Scheduler.Configuration.SchedulerProfile> SchedulerProfiles { get; init; } = [];

    /// <summary>Run a <see cref="HeapTrimmer"/> in this process (on by default; it keeps the GC heap near its live size after bursts).</summary>
    public bool TrimHeap { get; init; } = true;

    /// <summary>Simulated nodes to run in this server (`--fake-nodes`); null for none.</summary>
    public Capstan.Agent.FakeNodes.FakeNodeOptions? FakeNodes { get; init; }

    /// <summary>Roll every Deployment back by itself when a rollout fails (per Deployment: annotation capstan.io/rollback-on-failure).</summary>
    public bool AutoRollbackByDefault { get; init; }

    /// <summary>A node whose Lease is this old is unreachable (Kubernetes' --node-monitor-grace-period, 40 s there).</summary>
    public TimeSpan NodeMonitorGracePeriod { get; init; } = DefaultNodeMonitorGracePeriod;

    /// <summary>`--node-monitor-grace-period`'s default.</summary>
    public static readonly TimeSpan DefaultNodeMonitorGracePeriod = TimeSpan.FromSeconds(8);

    /// <summary>
    /// How long new pods tolerate a NotReady or unreachable node before they are evicted and replaced. Kubernetes defaults
    /// to 300 s; Capstan's 3 s, with the node lifecycle's grace period, replaces a dead node's pods within 15 s.
    /// </summary>
    public long DefaultNotReadyTolerationSeconds { get; init; } = 3;

    public long DefaultUnreachableTolerationSeconds { get; init; } = 3;

    /// <summary>The built-in ingress controller; null runs none (`--disable-ingress`, and tests that do not ask for it).</summary>
    public Capstan.Network.Ingress.IngressOptions? Ingress { get; init; }
    /// <summary>Resources encrypted at rest, comma-separated <c>&lt;plural&gt;[.&lt;group&gt;]</c>; empty turns encryption off.</summary>
    public string EncryptResources { get; init; } = Capstan.ApiServer.Encryption.EncryptedResources.Default;
    /// <summary>Run without the cluster DNS (`--disable-dns`).</summary>
    public bool DisableDns { get; init; }

    /// <summary>UDP and TCP port of the cluster DNS on the bind address (`--cluster-dns-port`); high so that it needs no root.</summary>
    public int ClusterDnsPort { get; init; } = 10053;

    /// <summary>The cluster DNS zone (`--cluster-domain`).</summary>
    public string ClusterDomain { get; init; } = "cluster.local";

    /// <summary>Upstream nameservers for names outside the cluster domain; null reads the host's /etc/resolv.conf.</summary>
    public IReadOnlyList<IPEndPoint>? DnsUpstreams { get; init; }

    public Microsoft.Extensions.Logging.LogLevel LogLevel { get; init; } = Microsoft.Extensions.Logging.LogLevel.Information;
}
