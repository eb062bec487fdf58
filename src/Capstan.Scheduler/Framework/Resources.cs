namespace Capstan.Scheduler.Framework;

/// <summary>
/// A mutable vector of resource amounts in the units the scheduler compares: CPU in millicores, memory and
/// ephemeral-storage in bytes, every other resource (extended resources, hugepages) as a whole count.
/// </summary>
public sealed class Resources
{
    public const string Cpu = "cpu";
    public const string Memory = "memory";
    public const string EphemeralStorage = "ephemeral-storage";
    public const string Pods = "pods";

    private Dictionary<string, long>? _scalars;

    public long MilliCpu { get; set; }

    public long MemoryBytes { get; set; }

    public long EphemeralStorageBytes { get; set; }

    /// <summary>Extended resources and hugepages; null until one is set.</summary>
    public IReadOnlyDictionary<string, long> Scalars => _scalars ?? (IReadOnlyDictionary<string, long>)EmptyScalars;

    public bool IsZero => MilliCpu == 0 && MemoryBytes == 0 && EphemeralStorageBytes == 0 && (_scalars is null || _scalars.Values.All(v => v == 0));

    private static readonly Dictionary<string, long> EmptyScalars = [];

    public long Get(string name) => name switch
    {
        Cpu => MilliCpu,
        Memory => MemoryBytes,
        EphemeralStorage => EphemeralStorageBytes,
        _ => _scalars?.GetValueOrDefault(name) ?? 0,
    };

    public void Set(string name, long value)
    {
        switch (name)
        {
            case Cpu:
                MilliCpu = value;
                break;
            case Memory:
                MemoryBytes = value;
                break;
            case EphemeralStorage:
                EphemeralStorageBytes = value;
                break;
            default:
                (_scalars ??= new Dictionary<string, long>(StringComparer.Ordinal))[name] = value;
                break;
        }
    }

    public void Add(Resources other)
    {
        MilliCpu += other.MilliCpu;
        MemoryBytes += other.MemoryBytes;
        EphemeralStorageBytes += other.EphemeralStorageBytes;
        if (other._scalars is not null)
        {
            foreach (var (name, value) in other._scalars)
            {
                Set(name, Get(name) + value);
            }
        }
    }

    public void Subtract(Resources other)
    {
        MilliCpu -= other.MilliCpu;
        MemoryBytes -= other.MemoryBytes;
        EphemeralStorageBytes -= other.EphemeralStorageBytes;
        if (other._scalars is not null)
        {
            foreach (var (name, value) in other._scalars)
            {
                Set(name, Get(name) - value);
            }
        }
    }

    /// <summary>Raises each amount to at least the other's (init containers run one at a time, so the pod needs the largest).</summary>
    public void SetMax(Resources other)
    {
        MilliCpu = Math.Max(MilliCpu, other.MilliCpu);
        MemoryBytes = Math.Max(MemoryBytes, other.MemoryBytes);
        EphemeralStorageBytes = Math.Max(EphemeralStorageBytes, other.EphemeralStorageBytes);
        if (other._scalars is not null)
        {
            foreach (var (name, value) in other._scalars)
            {
                Set(name, Math.Max(Get(name), value));
            }
        }
    }

    public Resources Clone()
    {
        var copy = new Resources { MilliCpu = MilliCpu, MemoryBytes = MemoryBytes, EphemeralStorageBytes = EphemeralStorageBytes };
        if (_scalars is not null)
        {
            copy._scalars = new Dictionary<string, long>(_scalars, StringComparer.Ordinal);
        }

        return copy;
    }

    public override string ToString() =>
        $"cpu={MilliCpu}m memory={MemoryBytes} ephemeral-storage={EphemeralStorageBytes}"
        + (_scalars is null ? "" : string.Concat(_scalars.Select(s => $" {s.Key}={s.Value}")));
}
