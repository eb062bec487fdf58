using System.Globalization;
using k8s.Models;

namespace Capstan.Agent.Eviction;

/// <summary>Parses --eviction-hard: comma-separated "signal&lt;quantity" or "signal&lt;percent%", as the kubelet takes it.</summary>
public static class EvictionThresholds
{
    /// <summary>The kubelet's default hard thresholds on Linux.</summary>
    public const string Default = "memory.available<100Mi,nodefs.available<10%,nodefs.inodesFree<5%,imagefs.available<15%";

    /// <summary>The thresholds, or throws <see cref="FormatException"/> naming the part that is wrong. An empty text means none.</summary>
    public static IReadOnlyList<EvictionThreshold> Parse(string text)
    {
        var result = new List<EvictionThreshold>();
        foreach (var raw in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var lt = raw.IndexOf('<', StringComparison.Ordinal);
            if (lt <= 0 || lt == raw.Length - 1)
            {
                throw new FormatException($"invalid eviction threshold syntax {raw}, expected <signal><operator><value>");
            }

            var name = raw[..lt];
            var value = raw[(lt + 1)..];
            if (EvictionSignals.Parse(name) is not { } signal)
            {
                throw new FormatException($"unsupported eviction signal {name}");
            }

            if (result.Any(t => t.Signal == signal))
            {
                throw new FormatException($"found duplicate eviction threshold for signal {name}");
            }

            if (value.EndsWith('%'))
            {
                if (!double.TryParse(value[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var percent) || percent < 0 || percent > 100)
                {
                    throw new FormatException($"invalid eviction threshold percentage {value} for {name}");
                }

                result.Add(new EvictionThreshold(signal, null, percent));
                continue;
            }

            ResourceQuantity quantity;
            try
            {
                quantity = new ResourceQuantity(value);
                if (quantity.ToDecimal() < 0)
                {
                    throw new FormatException();
                }
            }
            catch (Exception ex) when (ex is FormatException or ArgumentException or OverflowException)
            {
                throw new FormatException($"invalid eviction threshold quantity {value} for {name}", ex);
            }

            result.Add(new EvictionThreshold(signal, quantity, null));
        }

        return result;
    }
}
