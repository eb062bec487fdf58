using System.Runtime;
using Microsoft.Extensions.Logging;

namespace Capstan.Server;

/// <summary>
/// Returns the memory a burst leaves behind. The GC collects gen2 only when gen2's budget (which grows with
/// the live heap) runs out, so after a burst of writes the heap holds tens to hundreds of MiB of objects that died after
/// promotion (parse trees, old object versions, request buffers), all of it resident. Every <see cref="Interval"/> this
/// checks how far the committed heap has grown past the last full collection's survivors; past <see cref="GrowthBytes"/>
/// plus <see cref="GrowthRatio"/> of them it runs one compacting full collection that also decommits the freed memory,
/// at most once per <see cref="MinSpacing"/>: a full collection of a 300 MiB heap costs 0.2-0.4 s of CPU, so every few
/// seconds during a burst cost more CPU per pod than it saved in RSS (most of the heap is then live in-flight work).
/// Once the burst is over (allocation below <see cref="QuietBytesPerSecond"/>), a smaller growth of the old generations
/// (<see cref="QuietGrowthBytes"/>: what the burst promoted and then dropped) is trimmed too: after a 10,000-pod burst on
/// 5,000 simulated nodes that was 45 MiB of a 286 MiB heap, left until gen2's budget ran out.
/// One per process: collections are process-wide.
/// </summary>
public sealed class HeapTrimmer : IAsyncDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    /// <summary>Growth over the last full collection's survivors that triggers a trim, plus <see cref="GrowthRatio"/> of them.</summary>
    public const long GrowthBytes = 48L << 20;

    public const double GrowthRatio = 0.15;

    public static readonly TimeSpan MinSpacing = TimeSpan.FromSeconds(10);

    /// <summary>Allocation below this rate is quiet (5,000 simulated nodes at rest allocate ~16 MB/s; a burst, hundreds).</summary>
    public const long QuietBytesPerSecond = 48L << 20;

    /// <summary>Growth of gen2 and the large and pinned object heaps since the last full collection that a quiet process trims.</summary>
    public const long QuietGrowthBytes = 24L << 20;

    // Gen2; the generations after it are the large and the pinned object heaps.
    private const int OldGeneration = 2;

    private static readonly Lock Gate = new();
    private static HeapTrimmer? _current;
    private static int _users;

    private readonly CancellationTokenSource _stop = new();
    private readonly ILogger _logger;
    private readonly Task _loop;
    private long _lastTrim;
    private long _lastAllocated = GC.GetTotalAllocatedBytes();

    private HeapTrimmer(ILogger logger)
    {
        _logger = logger;
        _loop = Task.Run(() => RunAsync(_stop.Token));
    }

    /// <summary>Starts the process's trimmer, or joins the running one; dispose the result to leave it.</summary>
    public static IAsyncDisposable Acquire(ILogger logger)
    {
        lock (Gate)
        {
            _users++;
            _current ??= new HeapTrimmer(logger);
            return new Lease();
        }
    }

    /// <summary>Whether a committed heap of <paramref name="heapBytes"/>, after a full collection left <paramref name="liveAfterFullBytes"/>, should be trimmed.</summary>
    public static bool ShouldTrim(long heapBytes, long liveAfterFullBytes) =>
        heapBytes > liveAfterFullBytes + GrowthBytes + (long)(liveAfterFullBytes * GrowthRatio);

    /// <summary>
    /// Whether a process that allocated <paramref name="allocatedPerSecond"/> over the last interval, and whose old
    /// generations grew by <paramref name="oldGrowthBytes"/> since the last full collection, should be trimmed now.
    /// </summary>
    public static bool ShouldTrimWhenQuiet(long oldGrowthBytes, long allocatedPerSecond) =>
        allocatedPerSecond < QuietBytesPerSecond && oldGrowthBytes > QuietGrowthBytes;

    private async Task RunAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
            {
                var full = GC.GetGCMemoryInfo(GCKind.FullBlocking);

                // Before any full collection, the baseline is zero: the first trim comes once the heap passes GrowthBytes.
                var live = full.Index == 0 ? 0 : SizeAfter(full);
                var now = GC.GetGCMemoryInfo(GCKind.Any);
                var heap = now.TotalCommittedBytes;
                var allocated = GC.GetTotalAllocatedBytes();
                var perSecond = (long)((allocated - _lastAllocated) / Interval.TotalSeconds);
                _lastAllocated = allocated;

                // At most one trim per MinSpacing, so a heap that will not shrink cannot turn this into a collection loop.
                var due = ShouldTrim(heap, live) || (full.Index > 0 && ShouldTrimWhenQuiet(SizeAfter(now, OldGeneration) - SizeAfter(full, OldGeneration), perSecond));
                if (due && System.Diagnostics.Stopwatch.GetElapsedTime(_lastTrim) >= MinSpacing)
                {
                    _lastTrim = System.Diagnostics.Stopwatch.GetTimestamp();
                    var started = System.Diagnostics.Stopwatch.GetTimestamp();
                    GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;

                    // Aggressive: compacting, blocking, and the freed regions are decommitted at once instead of gradually.
                    GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                    var after = GC.GetGCMemoryInfo(GCKind.FullBlocking);
                    _logger.LogDebug("heap trim: committed {Before} MiB -> {After} MiB ({Live} MiB live) in {Elapsed} ms",
                        heap >> 20, after.TotalCommittedBytes >> 20, SizeAfter(after) >> 20, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>The generations from <paramref name="fromGeneration"/> on, after the collection <paramref name="info"/> describes.</summary>
    private static long SizeAfter(GCMemoryInfo info, int fromGeneration = 0)
    {
        long total = 0;
        var generations = info.GenerationInfo;
        for (var i = fromGeneration; i < generations.Length; i++)
        {
            total += generations[i].SizeAfterBytes;
        }

        return total;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }

    private sealed class Lease : IAsyncDisposable
    {
        private int _released;

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _released, 1) != 0)
            {
                return;
            }

            HeapTrimmer? stopping = null;
            lock (Gate)
            {
                if (--_users == 0)
                {
                    stopping = _current;
                    _current = null;
                }
            }

            if (stopping is not null)
            {
                await stopping.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
