using k8s;
using k8s.Models;

namespace Capstan.Controllers.Tests.Integration;

[Trait("Category", "Slow")]
public sealed class ReplicaSetControllerTests(ControllersFixture fixture) : IClassFixture<ControllersFixture>
{
    private Kubernetes Client => fixture.Client;

    [Fact]
    public async Task Create_ThreeReplicas_CreatesOwnedPodsAndReportsStatus()
    {
        const string ns = "rs-create";
        await CreateNamespaceAsync(ns);
        await Client.CreateNamespacedReplicaSetAsync(ReplicaSet("web", 3), ns);

        Assert.True(await ControllersFixture.EventuallyAsync(async () => (await ActivePodsAsync(ns, "web")).Count == 3));
        var pods = await ActivePodsAsync(ns, "web");
        var rs = await Client.ReadNamespacedReplicaSetAsync("web", ns);
        Assert.All(pods, p =>
        {
            Assert.StartsWith("web-", p.Metadata.Name, StringComparison.Ordinal);
            var owner = Assert.Single(p.Metadata.OwnerReferences);
            Assert.Equal((rs.Metadata.Uid, "ReplicaSet", true, true), (owner.Uid, owner.Kind, owner.Controller, owner.BlockOwnerDeletion));
        });

        await FakeKubelet.MarkAllReadyAsync(Client, ns, "app=web");
        Assert.True(await ControllersFixture.EventuallyAsync(async () =>
        {
            var s = (await Client.ReadNamespacedReplicaSetAsync("web", ns)).Status;
            return s.Replicas == 3 && s.ReadyReplicas == 3 && s.AvailableReplicas == 3 && s.FullyLabeledReplicas == 3 && s.ObservedGeneration == 1;
        }));
        // Events are written in the background: wait for them.
        Assert.True(await ControllersFixture.EventuallyAsync(async () => (await Client.CoreV1.ListNamespacedEventAsync(ns)).Items.Any(e =>
            e.Reason == "SuccessfulCreate" && e.Message.StartsWith("Created pod: web-", StringComparison.Ordinal)
            && e.ReportingComponent == "replicaset-controller" && e.InvolvedObject.Name == "web")));
    }

    [Fact]
    public async Task DeletePod_IsReplaced()
    {
        const string ns = "rs-replace";
        await CreateNamespaceAsync(ns);
        await Client.CreateNamespacedReplicaSetAsync(ReplicaSet("web", 3), ns);
        Assert.True(await ControllersFixture.EventuallyAsync(async () => (await ActivePodsAsync(ns, "web")).Count == 3));
        var victim = (await ActivePodsAsync(ns, "web"))[0].Metadata.Name;

        await Client.DeleteNamespacedPodAsync(victim, ns);

        Assert.True(await ControllersFixture.EventuallyAsync(async () =>
        {
            var pods = await ActivePodsAsync(ns, "web");
            return pods.Count == 3 && pods.All(p => p.Metadata.Name != victim);
        }));
    }

    [Fact]
    public async Task ScaleDown_DeletesNotReadyPodsFirst()
    {
        const string ns = "rs-scale-down";
        await CreateNamespaceAsync(ns);
        await Client.CreateNamespacedReplicaSetAsync(ReplicaSet("web", 3), ns);
        Assert.True(await ControllersFixture.EventuallyAsync(async () => (await ActivePodsAsync(ns, "web")).Count == 3));
        var pods = await ActivePodsAsync(ns, "web");
        await FakeKubelet.MarkReadyAsync(Client, ns, pods[0].Metadata.Name);
        await FakeKubelet.MarkReadyAsync(Client, ns, pods[1].Metadata.Name);
        var notReady = pods[2].Metadata.Name;
        Assert.True(await ControllersFixture.EventuallyAsync(async () => (await Client.ReadNamespacedReplicaSetAsync("web", ns)).Status.ReadyReplicas == 2));

        await Client.PatchNamespacedReplicaSetAsync(new V1Patch("{\"spec\":{\"replicas\":2}}", V1Patch.PatchType.MergePatch), "web", ns);

        Assert.True(await ControllersFixture.EventuallyAsync(async () =>
        {
            var left = await ActivePodsAsync(ns, "web");
            return left.Count == 2 && left.All(p => p.Metadata.Name != notReady);
        }));
        Assert.True(await ControllersFixture.EventuallyAsync(async () =>
            (await Client.CoreV1.ListNamespacedEventAsync(ns)).Items.Any(e => e.Reason == "SuccessfulDelete" && e.Message == $"Deleted pod: {notReady}")));
    }

    [Fact]
    public async Task Orphan_MatchingSelector_IsAdopted()
    {
        const string ns = "rs-adopt";
        await CreateNamespaceAsync(ns);
        await Client.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "stray", Labels = new Dictionary<string, string> { ["app"] = "web" } },
            Spec = FakeKubelet.Spec(),
        }, ns);

        // Ready, so that even if the controller sees the ReplicaSet before the pod (and creates two), the pod it keeps is this one.
        await FakeKubelet.MarkReadyAsync(Client, ns, "stray");
        var rs = await Client.CreateNamespacedReplicaSetAsync(ReplicaSet("web", 2), ns);

        Assert.True(await ControllersFixture.EventuallyAsync(async () =>
        {
            var stray = await Client.ReadNamespacedPodAsync("stray", ns);
            return stray.Metadata.OwnerReferences?.Any(o => o.Uid == rs.Metadata.Uid && o.Controller == true) == true;
        }));
        Assert.True(await ControllersFixture.EventuallyAsync(async () => (await ActivePodsAsync(ns, "web")).Count == 2));
    }

    [Fact]
    public async Task RelabeledPod_IsReleasedAndReplaced()
    {
        const string ns = "rs-release";
        await CreateNamespaceAsync(ns);
        await Client.CreateNamespacedReplicaSetAsync(ReplicaSet("web", 1), ns);
        Assert.True(await ControllersFixture.EventuallyAsync(async () => (await ActivePodsAsync(ns, "web")).Count == 1));
        var pod = (await ActivePodsAsync(ns, "web"))[0].Metadata.Name;

        await Client.PatchNamespacedPodAsync(new V1Patch("{\"metadata\":{\"labels\":{\"app\":\"other\"}}}", V1Patch.PatchType.MergePatch), pod, ns);

        Assert.True(await ControllersFixture.EventuallyAsync(async () =>
            (await Client.ReadNamespacedPodAsync(pod, ns)).Metadata.OwnerReferences is not { Count: > 0 }
            && (await ActivePodsAsync(ns, "web")).Count == 1));
    }

    private async Task CreateNamespaceAsync(string ns) =>
        await Client.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } });

    private async Task<List<V1Pod>> ActivePodsAsync(string ns, string app) =>
        [.. (await Client.ListNamespacedPodAsync(ns, labelSelector: $"app={app}")).Items.Where(p => p.Metadata.DeletionTimestamp is null).OrderBy(p => p.Metadata.Name)];

    internal static V1ReplicaSet ReplicaSet(string name, int replicas) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1ReplicaSetSpec
        {
            Replicas = replicas,
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = name } },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = name } },
                Spec = FakeKubelet.Spec(),
            },
        },
    };
}
