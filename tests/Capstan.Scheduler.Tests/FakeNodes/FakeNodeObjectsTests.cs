using System.Text.Json.Nodes;
using Capstan.Agent.FakeNodes;

namespace Capstan.Scheduler.Tests.FakeNodes;

/// <summary>The objects simulated nodes write (the pool itself is exercised end to end in Capstan.E2E.Scheduling).</summary>
public sealed class FakeNodeObjectsTests
{
    [Theory]
    [InlineData("dedicated=batch:NoSchedule", "dedicated", "batch", "NoSchedule")]
    [InlineData("spot:PreferNoSchedule", "spot", "", "PreferNoSchedule")]
    [InlineData("a.io/x=1:NoExecute", "a.io/x", "1", "NoExecute")]
    public void TaintParse_Valid(string text, string key, string value, string effect)
    {
        Assert.Equal(new FakeNodeTaint(key, value, effect), FakeNodeTaint.Parse(text));
    }

    [Theory]
    [InlineData("dedicated=batch")]
    [InlineData("dedicated=batch:Sometimes")]
    [InlineData(":NoSchedule")]
    public void TaintParse_Invalid_IsNull(string text)
    {
        Assert.Null(FakeNodeTaint.Parse(text));
    }

    [Fact]
    public void Node_CarriesPoolLabelsZoneAndTaints()
    {
        var options = new FakeNodeOptions
        {
            Count = 10,
            Zones = 3,
            Labels = new Dictionary<string, string> { ["tier"] = "batch" },
            Taints = [new FakeNodeTaint("spot", "", "NoSchedule")],
        };

        var node = FakeNodeObjects.Node(options, 7);

        Assert.Equal("fake-node-7", node.Metadata.Name);
        Assert.Equal("zone-1", node.Metadata.Labels[FakeNodeObjects.ZoneLabel]);
        Assert.Equal("batch", node.Metadata.Labels["tier"]);
        Assert.Equal("fake-node-7", node.Metadata.Labels["kubernetes.io/hostname"]);
        Assert.Equal("spot", node.Spec.Taints.Single().Key);
        Assert.Null(node.Spec.Taints.Single().Value);
    }

    [Theory]
    [InlineData(100, 2)]
    [InlineData(1000, 5)]
    [InlineData(5000, 25)]
    public void LeaseRenewInterval_KeepsAboutTwoHundredWritesASecond(int nodes, double seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), new FakeNodeOptions { Count = nodes }.EffectiveLeaseRenewInterval);
    }

    [Theory]
    [InlineData("""{"spec":{"containers":[{"name":"c"}]}}""", "BestEffort")]
    [InlineData("""{"spec":{"containers":[{"name":"c","resources":{"requests":{"cpu":"1"}}}]}}""", "Burstable")]
    [InlineData("""{"spec":{"containers":[{"name":"c","resources":{"limits":{"cpu":"1","memory":"1Gi"}}}]}}""", "Guaranteed")]
    [InlineData("""{"spec":{"containers":[{"name":"c","resources":{"requests":{"cpu":"1","memory":"1Gi"},"limits":{"cpu":"1","memory":"2Gi"}}}]}}""", "Burstable")]
    public void QosClass_FollowsRequestsAndLimits(string pod, string expected)
    {
        Assert.Equal(expected, FakeNodeObjects.QosClass(JsonNode.Parse(pod)!.AsObject()));
    }

    [Fact]
    public void RunningPatch_MakesThePodRunningAndReady()
    {
        var pod = JsonNode.Parse("""{"metadata":{"uid":"u1"},"spec":{"containers":[{"name":"a","image":"x"},{"name":"b","image":"y"}]}}""")!.AsObject();

        var patch = JsonNode.Parse(FakeNodeObjects.RunningPatch(pod, "10.128.0.1", FakeNodeObjects.PodIp(1), DateTimeOffset.UnixEpoch))!.AsObject();
        var merged = new JsonObject { ["status"] = patch["status"]!.DeepClone() };

        Assert.True(FakeNodeObjects.IsRunningAndReady(merged));
        Assert.Equal("10.0.0.2", patch["status"]!["podIP"]!.GetValue<string>());
        Assert.Equal(2, patch["status"]!["containerStatuses"]!.AsArray().Count);
    }
}
