using Xunit.Abstractions;
using k8s;
using k8s.Models;

namespace Capstan.Scheduler.Tests.Integration;

[Trait("Category", "Slow")]
public sealed class SchedulingTests(SchedulerFixture fixture, ITestOutputHelper output) : IClassFixture<SchedulerFixture>
{
    private Kubernetes Client => fixture.Client;

    [Fact]
    public async Task Schedule_PodsWithSelectorAndRequests_BoundToMatchingNode()
    {
        const string ns = "placement";
        await fixture.EnsureNamespaceAsync(ns);
        await fixture.CreateNodeAsync("small-a", "1", "1Gi", labels: new Dictionary<string, string> { ["zone"] = "a", ["test"] = ns });
        await fixture.CreateNodeAsync("big-b", "8", "16Gi", labels: new Dictionary<string, string> { ["zone"] = "b", ["test"] = ns });

        // The selectors keep the pods off the nodes other tests of the class make.
        await fixture.CreatePodAsync(ns, "wants-a", cpu: "100m", nodeSelector: new Dictionary<string, string> { ["zone"] = "a", ["test"] = ns });
        await fixture.CreatePodAsync(ns, "needs-big", cpu: "4", nodeSelector: new Dictionary<string, string> { ["test"] = ns });

        Assert.True(await SchedulerFixture.EventuallyAsync(async () =>
            (await Client.ReadNamespacedPodAsync("wants-a", ns)).Spec.NodeName == "small-a"
            && (await Client.ReadNamespacedPodAsync("needs-big", ns)).Spec.NodeName == "big-b"));
        // The binding writes spec.nodeName, then the PodScheduled condition through status: wait for the second write.
        Assert.True(await SchedulerFixture.EventuallyAsync(async () =>
            (await Client.ReadNamespacedPodAsync("needs-big", ns)).Status?.Conditions?.Any(c => c.Type == "PodScheduled" && c.Status == "True") == true));
        Assert.True(await SchedulerFixture.EventuallyAsync(async () =>
            (await Client.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: "involvedObject.name=needs-big")).Items
                .Any(e => e.Reason == "Scheduled" && e.Message == $"Successfully assigned {ns}/needs-big to big-b")));
    }

    [Fact]
    public async Task Schedule_OversizedPod_FailedSchedulingEventAndUnschedulableCondition()
    {
        const string ns = "oversized";
        await fixture.EnsureNamespaceAsync(ns);
        await fixture.CreateNodeAsync("tiny", "1", "1Gi");
        // More CPU than any node of the class offers (the giant node has 512).
        await fixture.CreatePodAsync(ns, "huge", cpu: "100k", memory: "1Gi");

        Corev1Event? failed = null;
        Assert.True(await SchedulerFixture.EventuallyAsync(async () =>
        {
            failed = (await Client.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: "involvedObject.name=huge")).Items.FirstOrDefault(e => e.Reason == "FailedScheduling");
            return failed is not null;
        }));
        Assert.Equal("Warning", failed!.Type);
        Assert.Equal("default-scheduler", failed.Source.Component);
        Assert.Equal("default-scheduler", failed.ReportingComponent);
        var nodes = (await Client.ListNodeAsync()).Items.Count;
        var message = $"0/{nodes} nodes are available: {nodes} Insufficient cpu. preemption: 0/{nodes} nodes are available: {nodes} No preemption victims found for incoming pod.";
        Assert.Equal(message, failed.Message);
        Assert.True(await SchedulerFixture.EventuallyAsync(async () =>
            (await Client.ReadNamespacedPodAsync("huge", ns)).Status.Conditions?.Any(c => c.Type == "PodScheduled" && c.Status == "False" && c.Reason == "Unschedulable" && c.Message == message) == true));

        // A node change retries the pod; the same failure bumps the event's count instead of adding an event.
        var tiny = await Client.ReadNodeAsync("tiny");
        tiny.Metadata.Labels["touched"] = "yes";
        await Client.ReplaceNodeAsync(tiny, "tiny");
        var seen = "";
        Assert.True(await SchedulerFixture.EventuallyAsync(async () =>
        {
            var events = (await Client.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: "involvedObject.name=huge")).Items.Where(e => e.Reason == "FailedScheduling").ToList();
            seen = string.Join(" | ", events.Select(e => $"{e.Count}x {e.Message}"));
            return events.Count == 1 && events[0].Count >= 2;
        }), seen);
    }

    [Fact]
    public async Task Schedule_OversizedPod_BoundWhenBigNodeAppears()
    {
        const string ns = "waits";
        await fixture.EnsureNamespaceAsync(ns);
        await fixture.CreatePodAsync(ns, "huge", cpu: "100", memory: "1Gi");
        Assert.True(await SchedulerFixture.EventuallyAsync(async () =>
            (await Client.ReadNamespacedPodAsync("huge", ns)).Status.Conditions?.Any(c => c.Type == "PodScheduled" && c.Status == "False") == true));

        // Big enough for this pod, not for the one the other oversized test leaves pending.
        await fixture.CreateNodeAsync("giant", "512", "1Ti");
        Assert.True(await SchedulerFixture.EventuallyAsync(async () => (await Client.ReadNamespacedPodAsync("huge", ns)).Spec.NodeName == "giant"));
        var condition = (await Client.ReadNamespacedPodAsync("huge", ns)).Status.Conditions.Single(c => c.Type == "PodScheduled");
        Assert.Equal("True", condition.Status);
    }

    [Fact]
    public async Task Schedule_Burst_NoNodeOvercommitted()
    {
        const string ns = "burst";
        await fixture.EnsureNamespaceAsync(ns);
        await fixture.CreateNodeAsync("burst-node", "2", "4Gi", labels: new Dictionary<string, string> { ["pool"] = "burst" });
        var selector = new Dictionary<string, string> { ["pool"] = "burst" };

        // 2 CPUs hold 20 pods of 100m; the other 10 must wait.
        await Task.WhenAll(Enumerable.Range(0, 30).Select(i => fixture.CreatePodAsync(ns, $"p{i}", cpu: "100m", nodeSelector: selector)));

        Assert.True(await SchedulerFixture.EventuallyAsync(async () =>
        {
            var pods = (await Client.ListNamespacedPodAsync(ns)).Items;
            return pods.Count(p => p.Spec.NodeName == "burst-node") == 20
                && pods.Count(p => p.Status.Conditions?.Any(c => c.Type == "PodScheduled" && c.Reason == "Unschedulable") == true) == 10;
        }));
        await Task.Delay(500);
        Assert.Equal(20, (await Client.ListNamespacedPodAsync(ns)).Items.Count(p => p.Spec.NodeName == "burst-node"));

        // Deleting bound pods frees room: the waiting ones are scheduled.
        var bound = (await Client.ListNamespacedPodAsync(ns)).Items.Where(p => p.Spec.NodeName == "burst-node").Take(10).ToList();
        foreach (var pod in bound)
        {
            await Client.DeleteNamespacedPodAsync(pod.Metadata.Name, ns, new V1DeleteOptions { GracePeriodSeconds = 0 });
        }

        Assert.True(await SchedulerFixture.EventuallyAsync(async () =>
        {
            var pods = (await Client.ListNamespacedPodAsync(ns)).Items;
            return pods.Count == 20 && pods.All(p => p.Spec.NodeName == "burst-node");
        }));
    }

    [Fact]
    public async Task Schedule_HundredPods_AllBoundOnOneNode()
    {
        // Pods for a second scheduler that starts only once all exist, so the figure is the scheduler's alone.
        const string ns = "hundred";
        await fixture.EnsureNamespaceAsync(ns);
        var selector = new Dictionary<string, string> { ["pool"] = "hundred" };
        await fixture.CreateNodeAsync("hundred-node", "4", "8Gi", labels: selector);
        await Task.WhenAll(Enumerable.Range(0, 100).Select(i => fixture.CreatePodAsync(ns, $"p{i}", cpu: "10m", memory: "10Mi", nodeSelector: selector, schedulerName: "second-scheduler")));

        using var stop = new CancellationTokenSource();
        var started = System.Diagnostics.Stopwatch.StartNew();
        var scheduler = SchedulerService.RunAsync(fixture.Client, new SchedulerOptions { SchedulerName = "second-scheduler" }, fixture.LoggerFactory, stop.Token);
        Assert.True(await SchedulerFixture.EventuallyAsync(async () =>
            (await Client.ListNamespacedPodAsync(ns)).Items.All(p => p.Spec.NodeName == "hundred-node"), pollMilliseconds: 5));
        var elapsed = started.Elapsed;
        await stop.CancelAsync();
        await scheduler;

        // Printed, not asserted: tests never assert on time.
        output.WriteLine($"100 pods bound {elapsed.TotalMilliseconds:F0} ms after the scheduler started (informer sync included)");
    }
}
