using Capstan.Agent.Eviction;
using k8s.Models;

namespace Capstan.Agent.Tests.Eviction;

public sealed class EvictionRankingTests
{
    internal static V1Pod Pod(string name, string? requests = null, string? limits = null, int? priority = null)
    {
        static Dictionary<string, ResourceQuantity>? Map(string? cpuAndMemory) =>
            cpuAndMemory is null ? null : new() { ["cpu"] = new(cpuAndMemory.Split('/')[0]), ["memory"] = new(cpuAndMemory.Split('/')[1]) };
        return new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default", Uid = name + "-uid" },
            Spec = new V1PodSpec
            {
                Priority = priority,
                Containers = [new V1Container { Name = "c", Resources = new V1ResourceRequirements { Requests = Map(requests), Limits = Map(limits) } }],
            },
        };
    }

    private static IEnumerable<string> Names(IEnumerable<V1Pod> pods) => pods.Select(p => p.Metadata.Name);

    [Fact]
    public void Rank_UsageUnknown_BestEffortThenBurstableThenGuaranteed()
    {
        var pods = new[]
        {
            Pod("guaranteed", "100m/64Mi", "100m/64Mi"),
            Pod("burstable", "100m/64Mi"),
            Pod("besteffort"),
        };

        Assert.Equal(["besteffort", "burstable", "guaranteed"], Names(EvictionRanking.Rank(pods, "memory", _ => null)));
    }

    [Fact]
    public void Rank_SameQos_LowerPriorityFirst()
    {
        var pods = new[] { Pod("high", priority: 1000), Pod("low", priority: -5), Pod("none") };

        Assert.Equal(["low", "none", "high"], Names(EvictionRanking.Rank(pods, "memory", _ => null)));
    }

    [Fact]
    public void Rank_UsageKnown_OverRequestFirstThenLargestExcess()
    {
        var usage = new Dictionary<string, long>
        {
            ["under"] = 10L << 20,       // 64Mi requested
            ["over-a-little"] = 70L << 20,
            ["over-a-lot"] = 200L << 20,
        };
        var pods = new[] { Pod("under", "100m/64Mi"), Pod("over-a-little", "100m/64Mi"), Pod("over-a-lot", "100m/64Mi") };

        Assert.Equal(["over-a-lot", "over-a-little", "under"], Names(EvictionRanking.Rank(pods, "memory", p => usage[p.Metadata.Name])));
    }

    [Fact]
    public void Rank_CriticalPod_NeverChosen()
    {
        var pods = new[] { Pod("critical", priority: 2_000_001_000), Pod("guaranteed", "1/1Gi", "1/1Gi") };

        Assert.Equal(["guaranteed"], Names(EvictionRanking.Rank(pods, "memory", _ => null)));
    }

    [Fact]
    public void Request_InitContainerLarger_WinsOverSum()
    {
        var pod = Pod("p", "100m/64Mi");
        pod.Spec.InitContainers = [new V1Container { Name = "init", Resources = new V1ResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["memory"] = new("1Gi") } } }];

        Assert.Equal(1L << 30, EvictionRanking.Request(pod, "memory"));
    }
}
