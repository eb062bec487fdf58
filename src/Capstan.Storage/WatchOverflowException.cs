namespace Capstan.Storage;

/// <summary>
/// A watcher fell so far behind that its buffer filled; the store ended its watch rather than slow every writer down.
/// The caller resumes with a new watch from the last revision it processed (or relists when that is compacted).
/// </summary>
public sealed class WatchOverflowException(int capacity)
    : Exception($"watch ended: the consumer fell more than {capacity} events behind")
{
    public int Capacity { get; } = capacity;
}
