namespace Capstan.Agent.FakeNodes;

/// <summary>
/// Settings of a pool of simulated nodes (the KWOK idea): how many, what each offers, and how often their leases are
/// renewed. Every node of a pool is alike except for its name and, with <see cref="Zones"/>, its zone label.
/// </summary>
public sealed record FakeNodeOptions
{
    /// <summary>How many nodes to register.</summary>
    public required int Count { get; init; }

    /// <summary>Node names are the prefix and an index: fake-node-0, fake-node-1, ...</summary>
    public string NamePrefix { get; init; } = "fake-node-";

    /// <summary>Each node's capacity (and allocatable), as Kubernetes quantities.</summary>
    public IReadOnlyDictionary<string, string> Capacity { get; init; } = DefaultCapacity;

    /// <summary>Labels on every node, besides kubernetes.io/hostname, kubernetes.io/os and the pool's type label.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>Taints on every node.</summary>
    public IReadOnlyList<FakeNodeTaint> Taints { get; init; } = [];

    /// <summary>When above zero, node i gets topology.kubernetes.io/zone=zone-(i mod Zones), for spread tests.</summary>
    public int Zones { get; init; }

    /// <summary>
    /// How often each node's Lease is renewed; null picks max(2 s, Count / 200 s) so the pool costs about 200 writes a
    /// second whatever its size. The server's node-monitor grace period must be longer (a few times this).
    /// </summary>
    public TimeSpan? LeaseRenewInterval { get; init; }

    /// <summary>How many API writes (registrations, pod status, deletions) run at once.</summary>
    public int WriteConcurrency { get; init; } = 16;

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    public static IReadOnlyDictionary<string, string> DefaultCapacity { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["cpu"] = "32",
        ["memory"] = "256Gi",
        ["ephemeral-storage"] = "1Ti",
        ["pods"] = "110",
    };

    /// <summary>The lease renewal interval in effect.</summary>
    public TimeSpan EffectiveLeaseRenewInterval =>
        LeaseRenewInterval ?? TimeSpan.FromSeconds(Math.Max(2, Count / 200.0));

    /// <summary>
    /// The shortest node-monitor grace period under which these nodes do not flap: three renewals. Below it the node
    /// lifecycle controller marks them Unknown between renewals, the pool posts Ready again, and so on for every node.
    /// </summary>
    public TimeSpan MinimumNodeMonitorGracePeriod => EffectiveLeaseRenewInterval * 3;

    public string NodeName(int index) => NamePrefix + index.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public void Validate()
    {
        if (Count < 1)
        {
            throw new ArgumentException("Count must be at least 1");
        }

        if (Zones < 0)
        {
            throw new ArgumentException("Zones must not be negative");
        }

        if (WriteConcurrency < 1)
        {
            throw new ArgumentException("WriteConcurrency must be at least 1");
        }

        if (LeaseRenewInterval is { } interval && interval <= TimeSpan.Zero)
        {
            throw new ArgumentException("LeaseRenewInterval must be positive");
        }

        if (Capacity.ContainsKey("pods") is false)
        {
            throw new ArgumentException("Capacity must say how many pods a node takes (pods=N)");
        }
    }
}
