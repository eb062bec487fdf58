namespace Capstan.Storage.Sqlite;

/// <summary>Tuning for <see cref="SqliteStore"/>. The defaults suit the embedded single-server control plane.</summary>
public sealed record SqliteStoreOptions
{
    /// <summary>
    /// True (default): <c>synchronous=FULL</c>, a write is acknowledged only once it survives power loss.
    /// False: <c>synchronous=NORMAL</c>, acknowledged writes survive a killed process but not a power cut.
    /// </summary>
    public bool Durable { get; init; } = true;

    /// <summary>How often the background compactor runs; <see cref="TimeSpan.Zero"/> or <see cref="Timeout.InfiniteTimeSpan"/> turns it off.
    /// Kubernetes compacts every five minutes.</summary>
    public TimeSpan CompactInterval { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How many of the newest revisions the background compactor keeps (kine keeps 1000).</summary>
    public long RetainRevisions { get; init; } = 1000;

    /// <summary>Events a watcher may fall behind before its watch ends with <see cref="WatchOverflowException"/>.</summary>
    public int WatchBufferSize { get; init; } = 10_000;

    /// <summary>The most writes committed in one transaction.</summary>
    public int MaxBatchSize { get; init; } = 1000;

    /// <summary>Idle read connections kept open; more are opened while readers overlap.</summary>
    public int ReadConnections { get; init; } = 4;

    /// <summary>Clock for the background compactor.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(RetainRevisions);
        ArgumentOutOfRangeException.ThrowIfLessThan(WatchBufferSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBatchSize, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(ReadConnections);
        ArgumentNullException.ThrowIfNull(TimeProvider);
        if (CompactInterval < TimeSpan.Zero && CompactInterval != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(CompactInterval), CompactInterval, "must be positive, zero or infinite");
        }
    }
}
