using System.Diagnostics;

namespace Capstan.Bench.Api.Measurement;

/// <summary>
/// N clients, each sending its next request as soon as the previous one is answered, until the duration is up or
/// the operation budget is spent, whichever comes first.
/// </summary>
public static class ClosedLoopLoad
{
    /// <param name="operation">Gets a run-wide unique sequence number.</param>
    public static async Task<LoadResult> RunAsync(
        int clients, TimeSpan duration, long maxOps, Func<long, CancellationToken, Task> operation, CancellationToken ct)
    {
        long issued = 0;
        long errors = 0;
        string? firstError = null;
        var perClient = new List<double>[clients];
        var started = Stopwatch.GetTimestamp();
        var deadline = started + (long)(duration.TotalSeconds * Stopwatch.Frequency);

        async Task ClientAsync(int index)
        {
            var mine = perClient[index] = new List<double>(4096);
            while (!ct.IsCancellationRequested && Stopwatch.GetTimestamp() < deadline)
            {
                var seq = Interlocked.Increment(ref issued);
                if (seq > maxOps)
                {
                    return;
                }

                var t0 = Stopwatch.GetTimestamp();
                try
                {
                    await operation(seq, ct).ConfigureAwait(false);
                    mine.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    Interlocked.Increment(ref errors);
                    Interlocked.CompareExchange(ref firstError, ex.GetType().Name + ": " + ex.Message, null);
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, clients).Select(i => Task.Run(() => ClientAsync(i), CancellationToken.None))).ConfigureAwait(false);
        var elapsed = Stopwatch.GetElapsedTime(started);
        var latency = new LatencySamples();
        foreach (var list in perClient)
        {
            latency.AddRange(list);
        }

        return new LoadResult(latency.Count, errors, elapsed, latency, firstError);
    }
}
