using k8s;
using k8s.Models;

namespace Capstan.Controllers.Tests.Integration;

[Trait("Category", "Slow")]
public sealed class DeploymentRolloutTests(ControllersFixture fixture) : IClassFixture<ControllersFixture>
{
    private Kubernetes Client => fixture.Client;

    [Fact]
    public async Task RollingUpdate_WithinSurgeAndUnavailable_Completes()
    {
        const string ns = "roll-bounds";
        var d = Deployment("web", 4, "busybox:1");
        d.Spec.Strategy = new V1DeploymentStrategy
        {
            Type = "RollingUpdate",
            RollingUpdate = new V1RollingUpdateDeployment { MaxSurge = "1", MaxUnavailable = "1" },
        };
        await CreateReadyAsync(ns, d);

        await SetImageAsync(ns, "busybox:2");
        var done = await ControllersFixture.EventuallyAsync(async () =>
        {
            var sets = (await Client.ListNamespacedReplicaSetAsync(ns)).Items;
            Assert.True(sets.Sum(s => s.Spec.Replicas ?? 0) <= 5, "above replicas + maxSurge");
            Assert.True(sets.Sum(s => s.Status?.AvailableReplicas ?? 0) >= 3, "below replicas - maxUnavailable");

            // One new pod at a time becomes ready, so each step is visible.
            var pending = (await Client.ListNamespacedPodAsync(ns, labelSelector: "app=web")).Items
                .FirstOrDefault(p => p.Metadata.DeletionTimestamp is null && p.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") != true);
            if (pending is not null)
            {
                await FakeKubelet.MarkReadyAsync(Client, ns, pending.Metadata.Name);
            }

            var current = await Client.ReadNamespacedDeploymentAsync("web", ns);
            return Complete(current) && current.Status.UpdatedReplicas == 4;
        });
        Assert.True(done);
    }

    [Fact]
    public async Task Recreate_OldPodsGoneBeforeNewCreated()
    {
        const string ns = "roll-recreate";
        var d = Deployment("web", 2, "busybox:1");
        d.Spec.Strategy = new V1DeploymentStrategy { Type = "Recreate" };
        await CreateReadyAsync(ns, d);
        var first = (await Client.ListNamespacedReplicaSetAsync(ns)).Items.Single();

        await SetImageAsync(ns, "busybox:2");
        Assert.True(await ControllersFixture.EventuallyAsync(async () =>
        {
            var sets = (await Client.ListNamespacedReplicaSetAsync(ns)).Items;
            var newer = sets.Where(s => s.Metadata.Uid != first.Metadata.Uid).ToList();
            var old = sets.Single(s => s.Metadata.Uid == first.Metadata.Uid);
            if (newer.Count > 0)
            {
                Assert.Equal(0, old.Status?.Replicas ?? 0);
            }

            await FakeKubelet.MarkAllReadyAsync(Client, ns, "app=web");
            return Complete(await Client.ReadNamespacedDeploymentAsync("web", ns)) && newer.Count == 1;
        }));
    }

    [Fact]
    public async Task Paused_NoRolloutButScales_ResumeRollsOut()
    {
        const string ns = "roll-pause";
        await CreateReadyAsync(ns, Deployment("web", 2, "busybox:1"));

        await Patch(ns, """{"spec":{"paused":true}}""");
        await SetImageAsync(ns, "busybox:2");
        await Patch(ns, """{"spec":{"replicas":3}}""");
        Assert.True(await ControllersFixture.EventuallyAsync(async () =>
        {
            var d = await Client.ReadNamespacedDeploymentAsync("web", ns);
            var sets = (await Client.ListNamespacedReplicaSetAsync(ns)).Items;
            return sets.Count == 1 && sets[0].Spec.Replicas == 3
                && d.Status?.Conditions?.Any(c => c.Type == "Progressing" && c.Reason == "DeploymentPaused" && c.Status == "Unknown") == true;
        }));

        await Patch(ns, """{"spec":{"paused":false}}""");
        Assert.True(await ControllersFixture.EventuallyAsync(async () =>
        {
            await FakeKubelet.MarkAllReadyAsync(Client, ns, "app=web");
            var d = await Client.ReadNamespacedDeploymentAsync("web", ns);
            return Complete(d) && d.Status.UpdatedReplicas == 3 && (await Client.ListNamespacedReplicaSetAsync(ns)).Items.Count == 2;
        }));
    }

    [Fact]
    public async Task RevisionHistoryLimit_OldEmptyReplicaSetsDeleted()
    {
        const string ns = "roll-history";
        var d = Deployment("web", 1, "busybox:1");
        d.Spec.RevisionHistoryLimit = 1;
        await CreateReadyAsync(ns, d);

        foreach (var image in new[] { "busybox:2", "busybox:3" })
        {
            await SetImageAsync(ns, image);
            Assert.True(await ControllersFixture.EventuallyAsync(async () =>
            {
                await FakeKubelet.MarkAllReadyAsync(Client, ns, "app=web");
                var current = await Client.ReadNamespacedDeploymentAsync("web", ns);
                return Complete(current) && current.Spec.Template.Spec.Containers[0].Image == image;
            }));
        }

        Assert.True(await ControllersFixture.EventuallyAsync(async () =>
        {
            var sets = (await Client.ListNamespacedReplicaSetAsync(ns)).Items;
            return sets.Count == 2 && sets.Select(s => s.Metadata.Annotations["deployment.kubernetes.io/revision"]).Order().SequenceEqual(["2", "3"]);
        }));
    }

    [Fact]
    public async Task ScaledMidRollout_ReplicaSetsGrowProportionally()
    {
        const string ns = "roll-proportional";
        var d = Deployment("web", 10, "busybox:1");
        d.Spec.Strategy = new V1DeploymentStrategy
        {
            Type = "RollingUpdate",
            RollingUpdate = new V1RollingUpdateDeployment { MaxSurge = "3", MaxUnavailable = "2" },
        };
        await CreateReadyAsync(ns, d);

        // New pods never become ready: the rollout stops at old 8, new 5 (13 = 10 + maxSurge; 8 = 10 - maxUnavailable).
        await SetImageAsync(ns, "busybox:2");
        Assert.True(await ControllersFixture.EventuallyAsync(async () =>
            Sizes(await Client.ListNamespacedReplicaSetAsync(ns)) == (8, 5)));

        await Patch(ns, """{"spec":{"replicas":20}}""");

        // Kubernetes' worked example: 23 allowed, old 8·23/13 → 14, new 5·23/13 → 9.
        Assert.True(await ControllersFixture.EventuallyAsync(async () =>
            Sizes(await Client.ListNamespacedReplicaSetAsync(ns)) == (14, 9)));

        static (int Old, int New) Sizes(V1ReplicaSetList sets) =>
            (sets.Items.Where(s => s.Spec.Template.Spec.Containers[0].Image == "busybox:1").Sum(s => s.Spec.Replicas ?? 0),
             sets.Items.Where(s => s.Spec.Template.Spec.Containers[0].Image == "busybox:2").Sum(s => s.Spec.Replicas ?? 0));
    }

    [Fact]
    public async Task AutoRollback_NewPodsRestart_RolledBackToLastGood()
    {
        const string ns = "roll-auto-restarts";
        var d = Deployment("web", 2, "busybox:1");
        d.Metadata.Annotations = new Dictionary<string, string> { ["capstan.io/rollback-on-failure"] = "true", ["capstan.io/rollback-max-restarts"] = "2" };
        await CreateReadyAsync(ns, d);
        var good = (await Client.ListNamespacedReplicaSetAsync(ns)).Items.Single();

        await SetImageAsync(ns, "busybox:bad");
        V1Pod? bad = null;
        Assert.True(await ControllersFixture.EventuallyAsync(async () =>
        {
            bad = (await Client.ListNamespacedPodAsync(ns, labelSelector: "app=web")).Items.FirstOrDefault(p => p.Spec.Containers[0].Image == "busybox:bad");
            return bad is not null;
        }));
        await ReportRestartsAsync(ns, bad!.Metadata.Name, 2);

        await AssertRolledBackAsync(ns, good, "restarted 2 times");
    }

    [Fact]
    public async Task AutoRollback_DeadlineExceeded_RolledBack()
    {
        const string ns = "roll-auto-deadline";
        var d = Deployment("web", 2, "busybox:1");
        d.Metadata.Annotations = new Dictionary<string, string> { ["capstan.io/rollback-on-failure"] = "true" };
        d.Spec.ProgressDeadlineSeconds = 2;
        await CreateReadyAsync(ns, d);
        var good = (await Client.ListNamespacedReplicaSetAsync(ns)).Items.Single();

        // The new pods never become ready.
        await SetImageAsync(ns, "busybox:never-ready");

        await AssertRolledBackAsync(ns, good, "has timed out progressing");
    }

    [Fact]
    public async Task NoAnnotation_DeadlineExceeded_ConditionOnly()
    {
        const string ns = "roll-deadline";
        var d = Deployment("web", 1, "busybox:1");
        d.Spec.ProgressDeadlineSeconds = 1;
        await CreateReadyAsync(ns, d);

        await SetImageAsync(ns, "busybox:never-ready");

        V1Deployment? current = null;
        Assert.True(await ControllersFixture.EventuallyAsync(async () =>
        {
            current = await Client.ReadNamespacedDeploymentAsync("web", ns);
            return current.Status?.Conditions?.Any(c => c.Type == "Progressing" && c.Status == "False" && c.Reason == "ProgressDeadlineExceeded") == true;
        }));
        var hash = (await Client.ListNamespacedReplicaSetAsync(ns)).Items.Single(s => s.Spec.Template.Spec.Containers[0].Image == "busybox:never-ready").Metadata.Labels["pod-template-hash"];
        Assert.Equal($"ReplicaSet \"web-{hash}\" has timed out progressing.", current!.Status.Conditions.Single(c => c.Type == "Progressing").Message);
        Assert.Equal("busybox:never-ready", current.Spec.Template.Spec.Containers[0].Image);
    }

    private async Task AssertRolledBackAsync(string ns, V1ReplicaSet good, string why)
    {
        V1Deployment? d = null;
        Assert.True(await ControllersFixture.EventuallyAsync(async () =>
        {
            await FakeKubelet.MarkAllReadyAsync(Client, ns, $"pod-template-hash={good.Metadata.Labels["pod-template-hash"]}");
            d = await Client.ReadNamespacedDeploymentAsync("web", ns);
            return d.Spec.Template.Spec.Containers[0].Image == "busybox:1" && Complete(d);
        }), KubernetesJson.Serialize(d));
        var rolledBack = d!.Status.Conditions.Single(c => c.Type == "RolledBack");
        Assert.Equal(("True", "RollbackOnFailure"), (rolledBack.Status, rolledBack.Reason));
        Assert.StartsWith("Rolled back to revision 1: ", rolledBack.Message, StringComparison.Ordinal);
        Assert.Contains(why, rolledBack.Message, StringComparison.Ordinal);
        Assert.True(await ControllersFixture.EventuallyAsync(async () => (await Client.CoreV1.ListNamespacedEventAsync(ns)).Items.Any(e =>
            e.Reason == "RolledBack" && e.Type == "Warning" && e.Message == rolledBack.Message)));

        // The failed revision stays in the history; the good one came back as revision 3.
        var sets = (await Client.ListNamespacedReplicaSetAsync(ns)).Items;
        Assert.Equal(2, sets.Count);
        var back = sets.Single(s => s.Metadata.Uid == good.Metadata.Uid);
        Assert.Equal("3", back.Metadata.Annotations["deployment.kubernetes.io/revision"]);
        Assert.Equal("1", back.Metadata.Annotations["deployment.kubernetes.io/revision-history"]);
        var failed = sets.Single(s => s.Metadata.Uid != good.Metadata.Uid);
        Assert.Equal("2", failed.Metadata.Annotations["deployment.kubernetes.io/revision"]);
        Assert.Contains("capstan.io/rollback-failed", failed.Metadata.Annotations.Keys);
        Assert.True(await ControllersFixture.EventuallyAsync(async () =>
            (await Client.ReadNamespacedReplicaSetAsync(failed.Metadata.Name, ns)).Spec.Replicas == 0));
    }

    private async Task ReportRestartsAsync(string ns, string name, int restarts)
    {
        var pod = await Client.ReadNamespacedPodAsync(name, ns);
        pod.Status ??= new V1PodStatus();
        pod.Status.Phase = "Running";
        pod.Status.ContainerStatuses =
        [
            new V1ContainerStatus { Name = "c", Image = pod.Spec.Containers[0].Image, ImageID = "", Ready = false, RestartCount = restarts, State = new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = "CrashLoopBackOff" } } },
        ];
        await Client.ReplaceNamespacedPodStatusAsync(pod, name, ns);
    }

    private async Task CreateReadyAsync(string ns, V1Deployment d)
    {
        await Client.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } });
        await Client.CreateNamespacedDeploymentAsync(d, ns);
        Assert.True(await ControllersFixture.EventuallyAsync(async () =>
        {
            await FakeKubelet.MarkAllReadyAsync(Client, ns, "app=web");
            return Complete(await Client.ReadNamespacedDeploymentAsync("web", ns));
        }));
    }

    private static bool Complete(V1Deployment d) =>
        d.Status is not null && d.Status.ObservedGeneration == d.Metadata.Generation && d.Status.Replicas == d.Spec.Replicas
        && d.Status.AvailableReplicas == d.Spec.Replicas && d.Status.UpdatedReplicas == d.Spec.Replicas
        && d.Status.Conditions?.Any(c => c.Type == "Progressing" && c.Reason == "NewReplicaSetAvailable") == true;

    private Task SetImageAsync(string ns, string image) =>
        Patch(ns, """{"spec":{"template":{"spec":{"containers":[{"name":"c","image":"IMAGE"}]}}}}""".Replace("IMAGE", image, StringComparison.Ordinal));

    private Task Patch(string ns, string patch) =>
        Client.PatchNamespacedDeploymentAsync(new V1Patch(patch, V1Patch.PatchType.MergePatch), "web", ns);

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
