using Capstan.Agent.Eviction;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;

namespace Capstan.Agent.Tests.Eviction;

public sealed class EvictionManagerTests
{
    private static readonly SignalObservation Plenty = new(4L << 30, 8L << 30);
    private static readonly SignalObservation Starved = new(50L << 20, 8L << 30);

    private readonly FixedSignals _signals = new(new() { [EvictionSignal.MemoryAvailable] = Plenty, [EvictionSignal.NodeFsAvailable] = new(50, 100) });
    private readonly FakePods _pods = new();
    private readonly NodePressureState _state = new();
    private readonly ManualTime _time = new();

    private EvictionManager Manager(TimeSpan? transition = null) => new(
        new EvictionOptions { PressureTransitionPeriod = transition ?? TimeSpan.FromMinutes(5) },
        _signals, _pods, _state, null, _time, NullLogger.Instance);

    [Fact]
    public async Task Synchronize_NoThresholdMet_NoPressureNoEviction()
    {
        _pods.Active.Add(EvictionRankingTests.Pod("a"));

        Assert.Null(await Manager().SynchronizeAsync(CancellationToken.None));
        Assert.False(_state.Memory);
        Assert.False(_state.Disk);
        Assert.Empty(_pods.Evicted);
    }

    [Fact]
    public async Task Synchronize_MemoryLow_MemoryPressureAndEvictsBestEffortWithKubeletMessage()
    {
        _pods.Active.AddRange([EvictionRankingTests.Pod("guaranteed", "1/1Gi", "1/1Gi"), EvictionRankingTests.Pod("besteffort"), EvictionRankingTests.Pod("burstable", "100m/10Mi")]);
        _signals.Values[EvictionSignal.MemoryAvailable] = Starved;

        var evicted = await Manager().SynchronizeAsync(CancellationToken.None);

        Assert.Equal("besteffort", evicted?.Metadata.Name);
        Assert.True(_state.Memory);
        Assert.False(_state.Disk);
        var (pod, eviction) = Assert.Single(_pods.Evicted);
        Assert.Equal("besteffort", pod.Metadata.Name);
        Assert.Equal("The node was low on resource: memory. Threshold quantity: 100Mi, available: 50Mi. ", eviction.Message);
        var condition = eviction.Condition(DateTime.UnixEpoch)!;
        Assert.Equal(("DisruptionTarget", "True", "TerminationByKubelet"), (condition.Type, condition.Status, condition.Reason));
    }

    [Fact]
    public async Task Synchronize_OnePodPerPass_ReChecksBetween()
    {
        _pods.Active.AddRange([EvictionRankingTests.Pod("a"), EvictionRankingTests.Pod("b")]);
        _signals.Values[EvictionSignal.MemoryAvailable] = Starved;
        var manager = Manager();

        await manager.SynchronizeAsync(CancellationToken.None);
        Assert.Single(_pods.Evicted);

        // The eviction relieved the node: the next pass evicts nobody.
        _signals.Values[EvictionSignal.MemoryAvailable] = Plenty;
        Assert.Null(await manager.SynchronizeAsync(CancellationToken.None));
        Assert.Single(_pods.Evicted);
    }

    [Fact]
    public async Task Synchronize_PressureGone_ConditionHeldForTransitionPeriod()
    {
        _signals.Values[EvictionSignal.MemoryAvailable] = Starved;
        var manager = Manager(TimeSpan.FromSeconds(30));
        await manager.SynchronizeAsync(CancellationToken.None);
        _signals.Values[EvictionSignal.MemoryAvailable] = Plenty;

        _time.Advance(TimeSpan.FromSeconds(29));
        await manager.SynchronizeAsync(CancellationToken.None);
        Assert.True(_state.Memory);

        _time.Advance(TimeSpan.FromSeconds(1));
        await manager.SynchronizeAsync(CancellationToken.None);
        Assert.False(_state.Memory);
    }

    [Fact]
    public async Task Synchronize_DiskLow_DiskPressureAndEphemeralStorageMessage()
    {
        _pods.Active.Add(EvictionRankingTests.Pod("a"));
        _signals.Values[EvictionSignal.NodeFsAvailable] = new(5, 100);

        await Manager().SynchronizeAsync(CancellationToken.None);

        Assert.True(_state.Disk);
        Assert.False(_state.Memory);
        Assert.StartsWith("The node was low on resource: ephemeral-storage. Threshold quantity: 10%", Assert.Single(_pods.Evicted).Eviction.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Synchronize_PressureFlip_RaisesChanged()
    {
        var changes = 0;
        _state.Changed += () => changes++;
        _signals.Values[EvictionSignal.MemoryAvailable] = Starved;
        var manager = Manager(TimeSpan.Zero);

        await manager.SynchronizeAsync(CancellationToken.None);
        await manager.SynchronizeAsync(CancellationToken.None);
        _signals.Values[EvictionSignal.MemoryAvailable] = Plenty;
        await manager.SynchronizeAsync(CancellationToken.None);

        Assert.Equal(2, changes);
    }

    private sealed class FakePods : IEvictablePods
    {
        public List<V1Pod> Active { get; } = [];

        public List<(V1Pod Pod, PodEviction Eviction)> Evicted { get; } = [];

        public IReadOnlyList<V1Pod> ActivePods() => [.. Active];

        public Task EvictAsync(V1Pod pod, PodEviction eviction, CancellationToken ct)
        {
            Evicted.Add((pod, eviction));
            Active.Remove(pod);
            return Task.CompletedTask;
        }
    }

    private sealed class ManualTime : TimeProvider
    {
        private DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
