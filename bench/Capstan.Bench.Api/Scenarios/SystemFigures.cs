using Capstan.Bench.Api.Measurement;

namespace Capstan.Bench.Api.Scenarios;

/// <summary>Everything measured on one system (Capstan or etcd) in one run; null where a scenario was skipped or failed.</summary>
public sealed class SystemFigures
{
    /// <summary>Best throughput round by label: Capstan has "HTTP/1.1" and "HTTP/2", etcd has "gRPC".</summary>
    public Dictionary<string, LoadResult> Throughput { get; } = [];

    /// <summary>Every throughput round in the order run, for the log.</summary>
    public List<(string Label, LoadResult Result)> ThroughputRounds { get; } = [];

    /// <summary>Read-path runs by label, same clients and pacing as the throughput runs.</summary>
    public Dictionary<string, LoadResult> Reads { get; } = [];

    public WatchLatencyResult? Watch { get; set; }

    public long? RssIdle { get; set; }

    public long? RssAfterFill { get; set; }

    public LoadResult? Fill { get; set; }

    public long? RssAfterAll { get; set; }

    public long ObjectsStored { get; set; }

    public LatencySamples StartFresh { get; } = new();

    public LatencySamples StartExisting { get; } = new();

    /// <summary>Restarts on a data dir holding <see cref="StartWithObjectsCount"/> objects.</summary>
    public LatencySamples StartWithObjects { get; } = new();

    public long StartWithObjectsCount { get; set; }

    /// <summary>Restart on the data dir every other scenario filled.</summary>
    public TimeSpan? StartLoaded { get; set; }

    public List<string> Failures { get; } = [];

    /// <summary>The throughput run with the most operations per second.</summary>
    public KeyValuePair<string, LoadResult>? BestThroughput =>
        Throughput.Count == 0 ? null : Throughput.MaxBy(kv => kv.Value.PerSecond);
}
