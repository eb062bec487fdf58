using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace Capstan.ApiServer.Hosting;

/// <summary>
/// Gives memory back to the operating system when the server goes quiet after a burst of work. The workstation GC keeps
/// the space a burst needed (free regions, gen0's budget) committed, and glibc keeps freed native pages; neither returns
/// them by itself while the process is idle. After at least <see cref="BurstBytes"/> of allocation, the first
/// <see cref="Interval"/> with almost none runs one compacting, decommitting (aggressive) collection and, on Linux,
/// <c>malloc_trim</c>. Under steady load it never runs; an idle server runs it once, after its last burst.
/// </summary>
internal sealed partial class IdleMemoryTrimmer : IAsyncDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);
    public const long BurstBytes = 32L * 1024 * 1024;
    public const long QuietBytes = 512L * 1024;

    /// <summary>Set to 1 to turn trimming off (for memory experiments, e.g. the benchmark's --capstan-env).</summary>
    public const string DisableVariable = "CAPSTAN_DISABLE_IDLE_TRIM";

    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public IdleMemoryTrimmer(ILogger logger)
    {
        _logger = logger;
        _loop = Task.Run(() => RunAsync(_stop.Token));
    }

    private async Task RunAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(Interval);
        var lastTrim = GC.GetTotalAllocatedBytes();
        var previous = lastTrim;
        try
        {
            while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
            {
                var now = GC.GetTotalAllocatedBytes();
                var quiet = now - previous < QuietBytes;
                previous = now;
                if (!quiet || now - lastTrim < BurstBytes)
                {
                    continue;
                }

                var before = Environment.WorkingSet;
                GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                if (OperatingSystem.IsLinux())
                {
                    TrimNativeHeap();
                }

                lastTrim = previous = GC.GetTotalAllocatedBytes();
                LogTrimmed(before / (1024 * 1024), Environment.WorkingSet / (1024 * 1024));
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static void TrimNativeHeap()
    {
        try
        {
            _ = MallocTrim(0);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc (musl has no malloc_trim): nothing to give back this way.
        }
    }

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);

    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "idle after a burst: trimmed memory, working set {BeforeMiB} MiB -> {AfterMiB} MiB")]
    private partial void LogTrimmed(long beforeMiB, long afterMiB);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }
}
