using k8s.Models;

namespace Capstan.Agent.Eviction;

/// <summary>
/// Test-only hook (the hidden agent flag --eviction-signals-file): a file of "signal=quantity" lines, e.g.
/// "memory.available=50Mi", overrides what <paramref name="machine"/> observes for those signals (capacity stays the
/// machine's), so end-to-end tests fake pressure. A missing file means no override.
/// </summary>
public sealed class FileSignalSource(string path, IEvictionSignalSource machine) : IEvictionSignalSource
{
    public IReadOnlyDictionary<EvictionSignal, SignalObservation> Observe()
    {
        var result = new Dictionary<EvictionSignal, SignalObservation>(machine.Observe());
        foreach (var (signal, available) in ReadOverrides(path))
        {
            var capacity = result.TryGetValue(signal, out var real) ? real.Capacity : available;
            result[signal] = new SignalObservation(available, Math.Max(capacity, available));
        }

        return result;
    }

    /// <summary>The file's overrides; unreadable lines are skipped.</summary>
    public static IReadOnlyDictionary<EvictionSignal, long> ReadOverrides(string path)
    {
        var result = new Dictionary<EvictionSignal, long>();
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return result;
        }

        foreach (var line in lines)
        {
            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || EvictionSignals.Parse(line[..eq].Trim()) is not { } signal)
            {
                continue;
            }

            try
            {
                result[signal] = (long)new ResourceQuantity(line[(eq + 1)..].Trim()).ToDecimal();
            }
            catch (Exception ex) when (ex is FormatException or ArgumentException or OverflowException)
            {
            }
        }

        return result;
    }
}
