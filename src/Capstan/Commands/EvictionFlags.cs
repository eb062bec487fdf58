using System.CommandLine;
using Capstan.Agent.Eviction;

namespace Capstan.Commands;

/// <summary>The node agent's eviction flags (the kubelet's --eviction-hard and --eviction-pressure-transition-period).</summary>
public sealed class EvictionFlags
{
    public Option<string> Hard { get; } = new("--eviction-hard")
    {
        Description = "Thresholds that evict pods when crossed: signal<quantity or signal<percent%, comma-separated (signals: memory.available, nodefs.available, nodefs.inodesFree, imagefs.available); empty for none",
        DefaultValueFactory = _ => EvictionThresholds.Default,
    };

    public Option<string> PressureTransitionPeriod { get; } = new("--eviction-pressure-transition-period")
    {
        Description = "How long a MemoryPressure or DiskPressure condition stays after its threshold was last crossed",
        DefaultValueFactory = _ => "5m",
    };

    /// <summary>
    /// Test-only hook, hidden from --help: a file of "signal=quantity" lines (e.g. memory.available=50Mi) that override the
    /// machine's readings, so end-to-end tests can fake node pressure. A missing file overrides nothing.
    /// </summary>
    public Option<string?> SignalsFile { get; } = new("--eviction-signals-file") { Hidden = true };

    public IEnumerable<Option> All => [Hard, PressureTransitionPeriod, SignalsFile];

    /// <summary>Null with a message on stderr when a flag is malformed.</summary>
    public EvictionOptions? Parse(ParseResult parse)
    {
        IReadOnlyList<EvictionThreshold> hard;
        try
        {
            hard = EvictionThresholds.Parse(parse.GetValue(Hard) ?? "");
        }
        catch (FormatException ex)
        {
            Console.Error.WriteLine($"capstan: --eviction-hard: {ex.Message}");
            return null;
        }

        if (Durations.Parse(parse.GetValue(PressureTransitionPeriod)!) is not { } period)
        {
            Console.Error.WriteLine($"capstan: --eviction-pressure-transition-period {parse.GetValue(PressureTransitionPeriod)} is not a duration such as 5m");
            return null;
        }

        return new EvictionOptions
        {
            Hard = hard,
            PressureTransitionPeriod = period,
            SignalsFile = parse.GetValue(SignalsFile) is { Length: > 0 } file ? Path.GetFullPath(file) : null,
        };
    }
}
