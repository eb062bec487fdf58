using k8s;
using k8s.Models;

namespace Capstan.Controllers.Tests.Integration;

[Trait("Category", "Slow")]
public sealed class DeploymentControllerTests(ControllersFixture fixture) : IClassFixture<ControllersFixture>
{
    private Kubernetes Client => fixture.Client;

    [Fact]
    public async Task Create_PodsBecomeReady_DeploymentAvailableAndComplete()
    {
        const string ns = "deploy-create";
        await Client.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } });
        await Client.CreateNamespacedDeploymentAsync(Deployment("web", 3, "busybox:1"), ns);

        V1ReplicaSet? rs = null;
        Assert.True(await ControllersFixture.EventuallyAsync(async () =>
        {
            rs = (await Client.ListNamespacedReplicaSetAsync(ns)).Items.SingleOrDefault();
            return rs is not null;
        }));
        var hash = rs!.Metadata.Labels["pod-template-hash"];
        Assert.Equal($"web-{hash}", rs.Metadata.Name);
        Assert.Equal(hash, rs.Spec.Selector.MatchLabels["pod-template-hash"]);
        Assert.Equal(hash, rs.Spec.Template.Metadata.Labels["pod-template-hash"]);
        Assert.Equal(3, rs.Spec.Replicas);
        Assert.Equal(("1", "3", "4"), (rs.Metadata.Annotations["deployment.kubernetes.io/revision"],
            rs.Metadata.Annotations["deployment.kubernetes.io/desired-replicas"], rs.Metadata.Annotations["deployment.kubernetes.io/max-replicas"]));
        Assert.Contains(rs.Metadata.OwnerReferences, o => o.Kind == "Deployment" && o.Name == "web" && o.Controller == true);

        Assert.True(await ControllersFixture.EventuallyAsync(async () =>
            (await Client.ListNamespacedPodAsync(ns, labelSelector: "app=web")).Items.Count == 3));
        await FakeKubelet.MarkAllReadyAsync(Client, ns, "app=web");

        V1Deployment? d = null;
        Assert.True(await ControllersFixture.EventuallyAsync(async () =>
        {
            d = await Client.ReadNamespacedDeploymentAsync("web", ns);
            return d.Status?.AvailableReplicas == 3
                && d.Status.Conditions?.Any(c => c.Type == "Progressing" && c.Reason == "NewReplicaSetAvailable") == true;
        }));
        Assert.Equal((3, 3, 3, 3), (d!.Status.Replicas, d.Status.UpdatedReplicas, d.Status.ReadyReplicas, d.Status.AvailableReplicas));
        Assert.Null(d.Status.UnavailableReplicas is 0 ? null : d.Status.UnavailableReplicas);
        Assert.Equal(d.Metadata.Generation, d.Status.ObservedGeneration);
        Assert.Equal("1", d.Metadata.Annotations["deployment.kubernetes.io/revision"]);
        var available = d.Status.Conditions.Single(c => c.Type == "Available");
        Assert.Equal(("True", "MinimumReplicasAvailable", "Deployment has minimum availability."), (available.Status, available.Reason, available.Message));
        var progressing = d.Status.Conditions.Single(c => c.Type == "Progressing");
        Assert.Equal(("True", $"ReplicaSet \"web-{hash}\" has successfully progressed."), (progressing.Status, progressing.Message));

        Assert.True(await ControllersFixture.EventuallyAsync(async () => (await Client.CoreV1.ListNamespacedEventAsync(ns)).Items.Any(e =>
            e.Reason == "ScalingReplicaSet" && e.Message == $"Scaled up replica set web-{hash} from 0 to 3" && e.ReportingComponent == "deployment-controller")));
    }

    [Fact]
    public async Task TemplateChange_NewReplicaSetTakesOver_OldScaledToZero()
    {
        const string ns = "deploy-update";
        await Client.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } });
        await Client.CreateNamespacedDeploymentAsync(Deployment("web", 2, "busybox:1"), ns);
        Assert.True(await ControllersFixture.EventuallyAsync(async () =>
        {
            await FakeKubelet.MarkAllReadyAsync(Client, ns, "app=web");
            return (await Client.ReadNamespacedDeploymentAsync("web", ns)).Status?.AvailableReplicas == 2;
        }));
        var first = (await Client.ListNamespacedReplicaSetAsync(ns)).Items.Single();

        await Client.PatchNamespacedDeploymentAsync(new V1Patch(
            """{"spec":{"template":{"spec":{"containers":[{"name":"c","image":"busybox:2"}]}}}}""", V1Patch.PatchType.MergePatch), "web", ns);

        // Play the kubelet until the rollout is done: every new pod becomes ready.
        V1Deployment? d = null;
        Assert.True(await ControllersFixture.EventuallyAsync(async () =>
        {
            await FakeKubelet.MarkAllReadyAsync(Client, ns, "app=web");
            d = await Client.ReadNamespacedDeploymentAsync("web", ns);
            return d.Status is not null && d.Status.ObservedGeneration == d.Metadata.Generation && d.Status.UpdatedReplicas == 2 && d.Status.Replicas == 2
                && d.Status.AvailableReplicas == 2 && d.Status.Conditions?.Any(c => c.Type == "Progressing" && c.Reason == "NewReplicaSetAvailable") == true;
        }), KubernetesJson.Serialize(d));
        var sets = (await Client.ListNamespacedReplicaSetAsync(ns)).Items;
        Assert.Equal(2, sets.Count);
        var old = sets.Single(s => s.Metadata.Uid == first.Metadata.Uid);
        var current = sets.Single(s => s.Metadata.Uid != first.Metadata.Uid);
        Assert.Equal(0, old.Spec.Replicas);
        Assert.Equal(2, current.Spec.Replicas);
        Assert.Equal("2", current.Metadata.Annotations["deployment.kubernetes.io/revision"]);
        Assert.Equal("2", d!.Metadata.Annotations["deployment.kubernetes.io/revision"]);
    }

    [Fact]
    public async Task Scale_UpdatesReplicaSet()
    {
        const string ns = "deploy-scale";
        await Client.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } });
        await Client.CreateNamespacedDeploymentAsync(Deployment("web", 1, "busybox:1"), ns);
        Assert.True(await ControllersFixture.EventuallyAsync(async () => (await Client.ListNamespacedReplicaSetAsync(ns)).Items.Count == 1));

        await Client.PatchNamespacedDeploymentAsync(new V1Patch("""{"spec":{"replicas":4}}""", V1Patch.PatchType.MergePatch), "web", ns);

        Assert.True(await ControllersFixture.EventuallyAsync(async () =>
            (await Client.ListNamespacedReplicaSetAsync(ns)).Items.SingleOrDefault()?.Spec.Replicas == 4
            && (await Client.ListNamespacedPodAsync(ns, labelSelector: "app=web")).Items.Count == 4));
    }

    private static V1Deployment Deployment(string name, int replicas, string image) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1DeploymentSpec
        {
            Replicas = replicas,
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = name } },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = name } },
                Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = image }] },
            },
        },
    };
}
