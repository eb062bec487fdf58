namespace Capstan.Bench.Workloads;

/// <summary>What one run of the workload benchmark does, and with which binaries.</summary>
public sealed record WorkloadOptions
{
    /// <summary>The capstan apphost or capstan.dll (a .dll is started with `dotnet`).</summary>
    public required string CapstanPath { get; init; }

    /// <summary>The native capstan-testserver every pod runs.</summary>
    public required string TestServerPath { get; init; }

    /// <summary>Root for the temporary data dirs and logs; removed at the end unless KeepData.</summary>
    public required string WorkDir { get; init; }

    public bool KeepData { get; init; }

    /// <summary>Pod-start runs (fresh namespace each, one server); medians are reported.</summary>
    public int Runs { get; init; } = 3;

    public int Replicas { get; init; } = 100;

    /// <summary>Crashes measured, each on a pod that has not crashed before (so without back-off).</summary>
    public int Crashes { get; init; } = 5;

    public int NodeReplicas { get; init; } = 6;

    /// <summary>Pod start with `--disable-agent` and a standalone `capstan agent`, so the control plane's and the agent's CPU show apart.</summary>
    public bool SeparateAgent { get; init; }

    /// <summary>The bound on every wait.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Scenarios to run: start, crash, node.</summary>
    public IReadOnlySet<string> Scenarios { get; init; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "start", "crash", "node" };
}
