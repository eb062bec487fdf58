using k8s;
using k8s.Models;

namespace Capstan.Controllers.Tests.Integration;

[Trait("Category", "Slow")]
public sealed class NodeLifecycleControllerTests(ControllersFixture fixture) : IClassFixture<ControllersFixture>
{
    private Kubernetes Client => fixture.Client;

    [Fact]
    public async Task LeaseStops_NodeUnknownAndTainted_PodsEvictedAfterTheirToleration()
    {
        const string ns = "node-death";
        const string node = "dying-node";
        await Client.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } });
        await FakeKubelet.RegisterNodeAsync(Client, node);
        await CreatePodAsync(ns, "intolerant", node, null);
        await CreatePodAsync(ns, "short", node, 1);
        await CreatePodAsync(ns, "long", node, 3600);
        foreach (var pod in new[] { "intolerant", "short", "long" })
        {
            await FakeKubelet.MarkReadyAsync(Client, ns, pod);
        }

        // The lease is never renewed: after the grace period (3 s in the fixture) the node is Unknown.
        V1Node? seen = null;
        Assert.True(await ControllersFixture.EventuallyAsync(async () =>
        {
            seen = await Client.ReadNodeAsync(node);
            return seen.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "Unknown") == true
                && seen.Spec?.Taints?.Any(t => t.Key == "node.kubernetes.io/unreachable" && t.Effect == "NoExecute") == true;
        }), KubernetesJson.Serialize(seen));
        var ready = seen!.Status.Conditions.Single(c => c.Type == "Ready");
        Assert.Equal(("NodeStatusUnknown", "Kubelet stopped posting node status."), (ready.Reason, ready.Message));
        Assert.Equal("Unknown", seen.Status.Conditions.Single(c => c.Type == "MemoryPressure").Status);
        Assert.Contains(seen.Spec.Taints, t => t.Key == "node.kubernetes.io/unreachable" && t.Effect == "NoSchedule");
        Assert.NotNull(seen.Spec.Taints.Single(t => t.Effect == "NoExecute").TimeAdded);

        Assert.True(await ControllersFixture.EventuallyAsync(async () =>
        {
            var names = (await Client.ListNamespacedPodAsync(ns)).Items.Select(p => p.Metadata.Name).ToList();
            return !names.Contains("intolerant") && !names.Contains("short");
        }));
        var survivor = await Client.ReadNamespacedPodAsync("long", ns);
        Assert.Null(survivor.Metadata.DeletionTimestamp);
        Assert.True(await ControllersFixture.EventuallyAsync(async () =>
            (await Client.ReadNamespacedPodAsync("long", ns)).Status.Conditions.Any(c => c.Type == "Ready" && c.Status == "False")));
        Assert.True(await ControllersFixture.EventuallyAsync(async () => (await Client.CoreV1.ListNamespacedEventAsync(ns)).Items.Any(e =>
            e.Reason == "TaintManagerEviction" && e.Message == $"Marking for deletion Pod {ns}/intolerant")));

        // The agent comes back: lease renewed and Ready posted again; the taints go.
        await FakeKubelet.RenewLeaseAsync(Client, node);
        await FakeKubelet.PostNodeReadyAsync(Client, node);
        Assert.True(await ControllersFixture.EventuallyAsync(async () =>
            (await Client.ReadNodeAsync(node)).Spec?.Taints?.Any(t => t.Key.StartsWith("node.kubernetes.io/", StringComparison.Ordinal)) != true));
    }

    [Fact]
    public async Task LeaseRenewedPastGracePeriod_StaysReady_AndAConditionChangeIsStillReconciled()
    {
        // A Ready node's periodic checks skip it while its lease keeps moving its deadline; a change to the node object
        // must still be reconciled at once.
        const string node = "renewing-node";
        await FakeKubelet.RegisterNodeAsync(Client, node);
        using var stop = new CancellationTokenSource();
        var renewing = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await FakeKubelet.RenewLeaseAsync(Client, node);
                await Task.Delay(500, CancellationToken.None);
            }
        });
        try
        {
            // Twice the fixture's 3 s grace period.
            await Task.Delay(TimeSpan.FromSeconds(6));
            var seen = await Client.ReadNodeAsync(node);
            Assert.Equal("True", seen.Status.Conditions.Single(c => c.Type == "Ready").Status);
            Assert.DoesNotContain(seen.Spec?.Taints ?? [], t => t.Key.StartsWith("node.kubernetes.io/", StringComparison.Ordinal));

            seen.Status.Conditions.Single(c => c.Type == "MemoryPressure").Status = "True";
            await Client.ReplaceNodeStatusAsync(seen, node);
            Assert.True(await ControllersFixture.EventuallyAsync(async () =>
                (await Client.ReadNodeAsync(node)).Spec?.Taints?.Any(t => t.Key == "node.kubernetes.io/memory-pressure" && t.Effect == "NoSchedule") == true));
            Assert.Equal("True", (await Client.ReadNodeAsync(node)).Status.Conditions.Single(c => c.Type == "Ready").Status);
        }
        finally
        {
            await stop.CancelAsync();
            await renewing;
        }
    }

    private async Task CreatePodAsync(string ns, string name, string node, long? tolerationSeconds)
    {
        var spec = FakeKubelet.Spec(node);
        if (tolerationSeconds is { } seconds)
        {
            spec.Tolerations = [new V1Toleration { Key = "node.kubernetes.io/unreachable", OperatorProperty = "Exists", Effect = "NoExecute", TolerationSeconds = seconds }];
        }

        await Client.CreateNamespacedPodAsync(new V1Pod { Metadata = new V1ObjectMeta { Name = name }, Spec = spec }, ns);
    }
}
