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
    [InlineData(100, null, 6)]
    [InlineData(5000, null, 75)]
    [InlineData(5000, 4.0, 12)]
    public void MinimumNodeMonitorGracePeriod_IsThreeRenewals(int nodes, double? renewSeconds, double graceSeconds)
    {
        var options = new FakeNodeOptions { Count = nodes, LeaseRenewInterval = renewSeconds is { } s ? TimeSpan.FromSeconds(s) : null };

        Assert.Equal(TimeSpan.FromSeconds(graceSeconds), options.MinimumNodeMonitorGracePeriod);
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

    [Fact]
    public void RunningPatch_WithInitContainers_SameJsonAsTheTreeItWasBuiltAs()
    {
        var pod = JsonNode.Parse("""
            {"metadata":{"uid":"u1"},"spec":{"initContainers":[{"name":"i","image":"busybox"}],
             "containers":[{"name":"a","image":"x","resources":{"requests":{"cpu":"1","memory":"1Gi"},"limits":{"cpu":"1","memory":"1Gi"}}},{"name":"b","image":"y<&>"}]}}
            """)!.AsObject();
        var now = new DateTimeOffset(2026, 11, 26, 14, 0, 0, TimeSpan.Zero);

        var patch = System.Text.Encoding.UTF8.GetString(FakeNodeObjects.RunningPatch(pod, "10.128.0.1", "10.0.0.2", now));

        Assert.Equal(TreePatch(pod, "10.128.0.1", "10.0.0.2", "2026-11-26T14:00:00Z"), patch);
    }

    [Fact]
    public void RunningPatch_NoInitContainers_NoInitStatuses()
    {
        var pod = JsonNode.Parse("""{"spec":{"containers":[{"name":"a","image":"x"}]}}""")!.AsObject();

        var patch = System.Text.Encoding.UTF8.GetString(FakeNodeObjects.RunningPatch(pod, "10.128.0.1", "10.0.0.2", DateTimeOffset.UnixEpoch));

        Assert.Equal(TreePatch(pod, "10.128.0.1", "10.0.0.2", "1970-01-01T00:00:00Z"), patch);
        Assert.DoesNotContain("initContainerStatuses", patch, StringComparison.Ordinal);
    }

    // The patch as it used to be built, a JsonObject tree serialized: the writer must produce the same text.
    private static string TreePatch(JsonObject pod, string hostIp, string podIp, string time)
    {
        static JsonObject Condition(string type, string time) => new() { ["type"] = type, ["status"] = "True", ["lastProbeTime"] = null, ["lastTransitionTime"] = time };
        static IEnumerable<(string Name, string Image)> Containers(JsonObject pod, string field) =>
            (pod["spec"]?[field] as JsonArray)?.OfType<JsonObject>().Select(c => (c["name"]!.GetValue<string>(), c["image"]!.GetValue<string>())) ?? [];

        var statuses = new JsonArray();
        foreach (var (name, image) in Containers(pod, "containers"))
        {
            statuses.Add(new JsonObject
            {
                ["name"] = name, ["image"] = image, ["imageID"] = "fake://" + image,
                ["containerID"] = "fake://" + pod["metadata"]?["uid"]?.GetValue<string>() + "/" + name,
                ["ready"] = true, ["started"] = true, ["restartCount"] = 0,
                ["state"] = new JsonObject { ["running"] = new JsonObject { ["startedAt"] = time } },
            });
        }

        var initStatuses = new JsonArray();
        foreach (var (name, image) in Containers(pod, "initContainers"))
        {
            initStatuses.Add(new JsonObject
            {
                ["name"] = name, ["image"] = image, ["imageID"] = "fake://" + image, ["ready"] = true, ["restartCount"] = 0,
                ["state"] = new JsonObject { ["terminated"] = new JsonObject { ["exitCode"] = 0, ["reason"] = "Completed", ["startedAt"] = time, ["finishedAt"] = time } },
            });
        }

        var status = new JsonObject
        {
            ["phase"] = "Running", ["hostIP"] = hostIp, ["hostIPs"] = new JsonArray(new JsonObject { ["ip"] = hostIp }),
            ["podIP"] = podIp, ["podIPs"] = new JsonArray(new JsonObject { ["ip"] = podIp }), ["startTime"] = time,
            ["qosClass"] = FakeNodeObjects.QosClass(pod),
            ["conditions"] = new JsonArray(Condition("PodReadyToStartContainers", time), Condition("Initialized", time), Condition("Ready", time), Condition("ContainersReady", time), Condition("PodScheduled", time)),
            ["containerStatuses"] = statuses,
        };
        if (initStatuses.Count > 0)
        {
            status["initContainerStatuses"] = initStatuses;
        }

        return new JsonObject { ["status"] = status }.ToJsonString();
    }
}
