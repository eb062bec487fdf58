using System.CommandLine;
using System.Globalization;
using Capstan.Agent.FakeNodes;

namespace Capstan.Commands;

/// <summary>The simulated-node flags of `capstan server` and `capstan agent` (the KWOK idea: one process, many nodes).</summary>
public sealed class FakeNodeFlags
{
    public Option<int> Count { get; } = new("--fake-nodes") { Description = "Register this many simulated nodes whose pods go Running at once (scale tests, benchmarks)" };

    public Option<string> Capacity { get; } = new("--fake-node-capacity") { Description = "Each simulated node's capacity, e.g. cpu=32,memory=256Gi,pods=110", DefaultValueFactory = _ => "cpu=32,memory=256Gi,ephemeral-storage=1Ti,pods=110" };

    public Option<string?> Labels { get; } = new("--fake-node-labels") { Description = "Labels of every simulated node, e.g. tier=batch,disk=ssd" };

    public Option<string?> Taints { get; } = new("--fake-node-taints") { Description = "Taints of every simulated node, e.g. dedicated=batch:NoSchedule,spot:PreferNoSchedule" };

    public Option<int> Zones { get; } = new("--fake-node-zones") { Description = "Spread the simulated nodes over this many zones (label topology.kubernetes.io/zone=zone-<i mod N>)" };

    public Option<string> Prefix { get; } = new("--fake-node-prefix") { Description = "Simulated node names are this prefix and an index", DefaultValueFactory = _ => "fake-node-" };

    public Option<string?> LeaseInterval { get; } = new("--fake-node-lease-interval") { Description = "How often each simulated node renews its lease (default: max(2s, nodes/200 s))" };

    public IEnumerable<Option> All => [Count, Capacity, Labels, Taints, Zones, Prefix, LeaseInterval];

    /// <summary>The pool to run, or null when --fake-nodes is absent or zero; <paramref name="error"/> says what is malformed.</summary>
    public FakeNodeOptions? Parse(ParseResult parse, out string? error)
    {
        error = null;
        var count = parse.GetValue(Count);
        if (count <= 0)
        {
            if (count < 0)
            {
                error = "--fake-nodes must not be negative";
            }

            return null;
        }

        var capacity = Pairs(parse.GetValue(Capacity));
        if (capacity is null || !capacity.ContainsKey("pods") || capacity.Values.Any(v => !Capstan.Api.Validation.Quantity.TryParse(v, out _)))
        {
            error = $"--fake-node-capacity {parse.GetValue(Capacity)} must be name=quantity pairs including pods, e.g. cpu=32,memory=256Gi,pods=110";
            return null;
        }

        var labels = parse.GetValue(Labels) is { Length: > 0 } labelText ? Pairs(labelText) : new Dictionary<string, string>();
        if (labels is null)
        {
            error = $"--fake-node-labels {parse.GetValue(Labels)} must be key=value pairs";
            return null;
        }

        var taints = new List<FakeNodeTaint>();
        foreach (var text in (parse.GetValue(Taints) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (FakeNodeTaint.Parse(text) is not { } taint)
            {
                error = $"--fake-node-taints: {text} is not key[=value]:NoSchedule|PreferNoSchedule|NoExecute";
                return null;
            }

            taints.Add(taint);
        }

        TimeSpan? interval = null;
        if (parse.GetValue(LeaseInterval) is { Length: > 0 } intervalText)
        {
            if (Durations.Parse(intervalText) is not { } parsed || parsed <= TimeSpan.Zero)
            {
                error = $"--fake-node-lease-interval {intervalText} is not a positive duration such as 10s";
                return null;
            }

            interval = parsed;
        }

        if (parse.GetValue(Zones) < 0)
        {
            error = "--fake-node-zones must not be negative";
            return null;
        }

        return new FakeNodeOptions
        {
            Count = count,
            NamePrefix = parse.GetValue(Prefix)!,
            Capacity = capacity,
            Labels = labels,
            Taints = taints,
            Zones = parse.GetValue(Zones),
            LeaseRenewInterval = interval,
        };
    }

    private static Dictionary<string, string>? Pairs(string? text)
    {
        var pairs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                return null;
            }

            pairs[pair[..equals]] = pair[(equals + 1)..];
        }

        return pairs;
    }

    internal static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture) + "s";
}
