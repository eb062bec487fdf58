using System.Collections.Concurrent;
using System.Diagnostics;
using Capstan.Bench.Api.Targets;

namespace Capstan.Bench.Api.Measurement;

/// <summary>
/// One watcher on a namespace while writers create objects in it as fast as they are answered. Each object is
/// matched to its event by name; all timestamps come from this process's Stopwatch, so no clocks are compared.
/// </summary>
public static class WatchLatencyProbe
{
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(10);

    public static async Task<WatchLatencyResult> RunAsync(
        IBenchTarget target, string ns, int writers, TimeSpan duration, long maxOps, CancellationToken ct)
    {
        var seen = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var sent = new ConcurrentDictionary<string, (long Sent, long Acked)>(StringComparer.Ordinal);
        var prefix = "w" + Guid.NewGuid().ToString("N")[..8];

        await using var watch = await target.WatchAsync(ns, name => seen.TryAdd(name, Stopwatch.GetTimestamp()), ct).ConfigureAwait(false);
        var writes = await ClosedLoopLoad.RunAsync(writers, duration, maxOps, async (seq, token) =>
        {
            var name = $"{prefix}-{seq}";
            var t0 = Stopwatch.GetTimestamp();
            await target.CreateAsync(ns, name, token).ConfigureAwait(false);
            sent[name] = (t0, Stopwatch.GetTimestamp());
        }, ct).ConfigureAwait(false);

        var drainUntil = Stopwatch.GetTimestamp() + (long)(DrainTimeout.TotalSeconds * Stopwatch.Frequency);
        while (sent.Keys.Any(k => !seen.ContainsKey(k)) && Stopwatch.GetTimestamp() < drainUntil)
        {
            await Task.Delay(50, ct).ConfigureAwait(false);
        }

        var fromSend = new LatencySamples();
        var fromAck = new LatencySamples();
        long missed = 0, early = 0;
        foreach (var (name, times) in sent)
        {
            if (!seen.TryGetValue(name, out var at))
            {
                missed++;
                continue;
            }

            fromSend.Add(Ms(at - times.Sent));
            fromAck.Add(Ms(at - times.Acked));
            if (at < times.Acked)
            {
                early++;
            }
        }

        return new WatchLatencyResult(writes, fromSend, fromAck, missed, early);
    }

    private static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
}
