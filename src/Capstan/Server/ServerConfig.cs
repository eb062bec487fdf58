using System.Net;

namespace Capstan.Server;

/// <summary>The settings of `capstan server`, from its flags.</summary>
public sealed record ServerConfig
{
    public required string DataDir { get; init; }

    public IPAddress BindAddress { get; init; } = IPAddress.Loopback;

    public int HttpsPort { get; init; } = 6443;

    public IReadOnlyList<string> TlsSans { get; init; } = [];

    /// <summary>The ClusterIP of the `kubernetes` Service: the first address of the service CIDR.</summary>
    public string ServiceCidr { get; init; } = "10.43.0.0/16";

    /// <summary>Run without the controller manager (namespace controller, garbage collector), as k3s's --disable-controller-manager.</summary>
    public bool DisableControllerManager { get; init; }

    /// <summary>Run without the scheduler (pods stay Pending unless something else binds them), as k3s's --disable-scheduler.</summary>
    public bool DisableScheduler { get; init; }

    /// <summary>The embedded node agent; null runs none (`--disable-agent`).</summary>
    public Capstan.Agent.AgentConfig? Agent { get; init; }

    /// <summary>The scheduler's profiles from `--scheduler-config` (a KubeSchedulerConfiguration); empty for the default profile.</summary>
    public IReadOnlyList<Capstan.Scheduler.Configuration.SchedulerProfile> SchedulerProfiles { get; init; } = [];

    /// <summary>Simulated nodes to run in this server (`--fake-nodes`); null for none.</summary>
    public Capstan.Agent.FakeNodes.FakeNodeOptions? FakeNodes { get; init; }

    /// <summary>Roll every Deployment back by itself when a rollout fails (per Deployment: annotation capstan.io/rollback-on-failure).</summary>
    public bool AutoRollbackByDefault { get; init; }

    /// <summary>A node whose Lease is this old is unreachable (Kubernetes' --node-monitor-grace-period, 40 s there).</summary>
    public TimeSpan NodeMonitorGracePeriod { get; init; } = TimeSpan.FromSeconds(8);

    /// <summary>
    /// How long new pods tolerate a NotReady or unreachable node before they are evicted and replaced. Kubernetes defaults
    /// to 300 s; Capstan's 3 s, with the node lifecycle's grace period, replaces a dead node's pods within 15 s.
    /// </summary>
    public long DefaultNotReadyTolerationSeconds { get; init; } = 3;

    public long DefaultUnreachableTolerationSeconds { get; init; } = 3;

    public Microsoft.Extensions.Logging.LogLevel LogLevel { get; init; } = Microsoft.Extensions.Logging.LogLevel.Information;
}
