namespace Capstan.Bench.Api;

/// <summary>What one run of the benchmark measures, and with which binaries.</summary>
public sealed record BenchOptions
{
    /// <summary>The capstan apphost or capstan.dll (a .dll is started with `dotnet`).</summary>
    public required string CapstanPath { get; init; }

    public required string EtcdPath { get; init; }

    /// <summary>capstan's --log-level; null leaves its default (Information), which is what a user runs.</summary>
    public string? CapstanLogLevel { get; init; }

    /// <summary>Extra environment for capstan, for experiments such as DOTNET_gcServer=1.</summary>
    public IReadOnlyDictionary<string, string> CapstanEnvironment { get; init; } = new Dictionary<string, string>();

    /// <summary>Length of each throughput run (per protocol, per system).</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Throughput rounds; each runs Capstan HTTP/1.1, etcd, Capstan HTTP/2, and the best round per label counts.</summary>
    public int Rounds { get; init; } = 1;

    /// <summary>Length of the watch-latency run.</summary>
    public TimeSpan WatchDuration { get; init; } = TimeSpan.FromSeconds(10);

    public int Clients { get; init; } = 16;

    public int WatchWriters { get; init; } = 8;

    /// <summary>Objects stored before the RSS reading.</summary>
    public int RssObjects { get; init; } = 10_000;

    /// <summary>Process starts per startup figure (the median is reported).</summary>
    public int Starts { get; init; } = 5;

    public int ValueBytes { get; init; } = 1024;

    /// <summary>Root for the temporary data dirs; removed at the end unless KeepData.</summary>
    public required string WorkDir { get; init; }

    public bool KeepData { get; init; }

    /// <summary>Scenarios to run: throughput, watch, rss, startup.</summary>
    public IReadOnlySet<string> Scenarios { get; init; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "throughput", "watch", "rss", "startup" };
}
