using Capstan.Client.Dynamic;
using Capstan.Client.Informers;
using Capstan.Controllers.StatefulSet;
using k8s;
using k8s.Models;

namespace Capstan.Controllers.Tests.Integration;

/// <summary>The StatefulSet controller, run by the test next to the fixture's controller manager (which does not register it yet).</summary>
[Trait("Category", "Slow")]
public sealed class StatefulSetControllerTests(ControllersFixture fixture) : IClassFixture<ControllersFixture>, IAsyncLifetime
{
    private readonly CancellationTokenSource _stop = new();
    private SharedInformerFactory _informers = null!;
    private StatefulSetController _controller = null!;

    private Kubernetes Client => fixture.Client;

    public async Task InitializeAsync()
    {
        _informers = new SharedInformerFactory(new DynamicClient(fixture.Client), fixture.LoggerFactory);
        _controller = new StatefulSetController(_informers, fixture.LoggerFactory, 2, null);
        _informers.Start(_stop.Token);
        await _controller.StartAsync(_stop.Token);
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await _controller.StopAsync(CancellationToken.None);
        _controller.Dispose();
        await _informers.DisposeAsync();
        _stop.Dispose();
    }

    [Fact]
    public async Task OrderedReady_CreatesInOrderAndScalesDownInReverse()
    {
        const string ns = "sts-ordered";
        await CreateNamespaceAsync(ns);
        var created = await Client.CreateNamespacedStatefulSetAsync(StatefulSet("web", 3), ns);

        // Each pod appears only once its predecessor is Running and Ready.
        for (var i = 0; i < 3; i++)
        {
            var ordinal = i;
            Assert.True(await ControllersFixture.EventuallyAsync(async () => (await PodNamesAsync(ns)).Contains($"web-{ordinal}")));
            Assert.Equal(Enumerable.Range(0, i + 1).Select(n => $"web-{n}"), await PodNamesAsync(ns));
            await FakeKubelet.MarkReadyAsync(Client, ns, $"web-{i}");
        }

        var pod = await Client.ReadNamespacedPodAsync("web-1", ns);
        Assert.Equal(("web-1", "svc"), (pod.Spec.Hostname, pod.Spec.Subdomain));
        Assert.Equal("web-1", pod.Metadata.Labels[StatefulSetLabels.PodName]);
        Assert.Equal("1", pod.Metadata.Labels[StatefulSetLabels.PodIndex]);
        Assert.Equal(created.Metadata.Uid, Assert.Single(pod.Metadata.OwnerReferences).Uid);
        Assert.True(await ControllersFixture.EventuallyAsync(async () =>
        {
            var s = (await Client.ReadNamespacedStatefulSetAsync("web", ns)).Status;
            return s is { Replicas: 3, ReadyReplicas: 3, CurrentReplicas: 3, UpdatedReplicas: 3, ObservedGeneration: 1 }
                && s.CurrentRevision == s.UpdateRevision && s.CurrentRevision == pod.Metadata.Labels[StatefulSetLabels.RevisionHash];
        }));
        Assert.True(await ControllersFixture.EventuallyAsync(async () => (await Client.CoreV1.ListNamespacedEventAsync(ns)).Items.Any(e =>
            e.Reason == "SuccessfulCreate" && e.Message == "create Pod web-2 in StatefulSet web successful" && e.ReportingComponent == "statefulset-controller")));

        await Client.PatchNamespacedStatefulSetAsync(new V1Patch("{\"spec\":{\"replicas\":1}}", V1Patch.PatchType.MergePatch), "web", ns);

        // web-1 goes only after web-2 is gone.
        Assert.True(await ControllersFixture.EventuallyAsync(async () =>
        {
            var names = await PodNamesAsync(ns);
            Assert.False(names.Contains("web-2") && !names.Contains("web-1"), "web-1 deleted before web-2");
            return names.SequenceEqual(["web-0"]);
        }));
        Assert.True(await ControllersFixture.EventuallyAsync(async () =>
            (await Client.CoreV1.ListNamespacedEventAsync(ns)).Items.Count(e => e.Reason == "SuccessfulDelete") == 2));
    }

    [Fact]
    public async Task WhenScaledDelete_CondemnedClaimNotYetCached_GetsThePodAsOwnerBeforeThePodGoes()
    {
        const string ns = "sts-claim-lag";
        await CreateNamespaceAsync(ns);
        var set = StatefulSet("web", 2, parallel: true);
        set.Spec.PersistentVolumeClaimRetentionPolicy = new V1StatefulSetPersistentVolumeClaimRetentionPolicy { WhenDeleted = "Retain", WhenScaled = "Delete" };
        set.Spec.VolumeClaimTemplates =
        [
            new V1PersistentVolumeClaim
            {
                Metadata = new V1ObjectMeta { Name = "data" },
                Spec = new V1PersistentVolumeClaimSpec
                {
                    AccessModes = ["ReadWriteOnce"],
                    Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new ResourceQuantity("1Mi") } },
                },
            },
        ];
        await Client.CreateNamespacedStatefulSetAsync(set, ns);
        Assert.True(await ControllersFixture.EventuallyAsync(async () => (await PodNamesAsync(ns)).SequenceEqual(["web-0", "web-1"])));
        var condemned = await Client.ReadNamespacedPodAsync("web-1", ns);

        // A claim created a moment before the scale-down may not have reached the controller's cache yet (CI saw its claim
        // outlive the ordinal): take it out of the cache, as if its informer lagged.
        var claims = _informers.For(Capstan.Controllers.Volumes.VolumeResources.PersistentVolumeClaims);
        Assert.True(await ControllersFixture.EventuallyAsync(() => Task.FromResult(claims.Cache.Get($"{ns}/data-web-1") is not null)));
        claims.Cache.Delete($"{ns}/data-web-1");
        await Client.PatchNamespacedStatefulSetAsync(new V1Patch("{\"spec\":{\"replicas\":1}}", V1Patch.PatchType.MergePatch), "web", ns);

        Assert.True(await ControllersFixture.EventuallyAsync(async () => (await PodNamesAsync(ns)).SequenceEqual(["web-0"])));
        var claim = (await Client.ListNamespacedPersistentVolumeClaimAsync(ns)).Items.SingleOrDefault(c => c.Metadata.Name == "data-web-1");

        // Owned by the pod it served (or already collected with it), never left without an owner.
        Assert.True(claim is null || claim.Metadata.OwnerReferences?.Any(o => o.Kind == "Pod" && o.Uid == condemned.Metadata.Uid) == true,
            $"data-web-1 kept owners [{string.Join(", ", claim?.Metadata.OwnerReferences?.Select(o => $"{o.Kind}/{o.Name}") ?? [])}]");
    }

    [Fact]
    public async Task RollingUpdate_Partition_UpdatesOnlyOrdinalsAtOrAbovePartition()
    {
        const string ns = "sts-partition";
        await CreateNamespaceAsync(ns);
        await Client.CreateNamespacedStatefulSetAsync(StatefulSet("db", 3, parallel: true), ns);
        Assert.True(await ControllersFixture.EventuallyAsync(async () => (await PodNamesAsync(ns)).Count == 3));
        await FakeKubelet.MarkAllReadyAsync(Client, ns, "app=db");
        Assert.True(await ControllersFixture.EventuallyAsync(async () => (await Client.ReadNamespacedStatefulSetAsync("db", ns)).Status.ReadyReplicas == 3));
        var oldRevision = (await Client.ReadNamespacedStatefulSetAsync("db", ns)).Status.UpdateRevision;

        const string patch = "{\"spec\":{\"updateStrategy\":{\"type\":\"RollingUpdate\",\"rollingUpdate\":{\"partition\":1}},"
            + "\"template\":{\"metadata\":{\"annotations\":{\"version\":\"2\"}}}}}";
        await Client.PatchNamespacedStatefulSetAsync(new V1Patch(patch, V1Patch.PatchType.MergePatch), "db", ns);

        // Plays the kubelet: recreated pods become ready, so the update moves on to the next ordinal.
        Assert.True(await ControllersFixture.EventuallyAsync(async () =>
        {
            await FakeKubelet.MarkAllReadyAsync(Client, ns, "app=db");
            var s = (await Client.ReadNamespacedStatefulSetAsync("db", ns)).Status;
            return s is { UpdatedReplicas: 2, CurrentReplicas: 1, ReadyReplicas: 3 } && s.CurrentRevision == oldRevision && s.UpdateRevision != oldRevision;
        }));
        var status = (await Client.ReadNamespacedStatefulSetAsync("db", ns)).Status;
        var pods = (await Client.ListNamespacedPodAsync(ns, labelSelector: "app=db")).Items.ToDictionary(p => p.Metadata.Name);
        Assert.Equal(oldRevision, pods["db-0"].Metadata.Labels[StatefulSetLabels.RevisionHash]);
        Assert.Equal(status.UpdateRevision, pods["db-1"].Metadata.Labels[StatefulSetLabels.RevisionHash]);
        Assert.Equal(status.UpdateRevision, pods["db-2"].Metadata.Labels[StatefulSetLabels.RevisionHash]);
        Assert.Equal("2", pods["db-2"].Metadata.Annotations["version"]);

        var revisions = (await Client.ListNamespacedControllerRevisionAsync(ns)).Items.OrderBy(r => r.Revision).ToList();
        Assert.Equal([(oldRevision, 1L), (status.UpdateRevision, 2L)], revisions.Select(r => (r.Metadata.Name, r.Revision)));

        // Dropping the partition finishes the rollout: the update revision becomes current.
        await Client.PatchNamespacedStatefulSetAsync(new V1Patch("{\"spec\":{\"updateStrategy\":{\"rollingUpdate\":{\"partition\":0}}}}", V1Patch.PatchType.MergePatch), "db", ns);
        Assert.True(await ControllersFixture.EventuallyAsync(async () =>
        {
            await FakeKubelet.MarkAllReadyAsync(Client, ns, "app=db");
            var s = (await Client.ReadNamespacedStatefulSetAsync("db", ns)).Status;
            return s is { UpdatedReplicas: 3, CurrentReplicas: 3, ReadyReplicas: 3 } && s.CurrentRevision == s.UpdateRevision;
        }));
    }

    [Fact]
    public async Task Parallel_DeletedPod_IsRecreatedWithSameName()
    {
        const string ns = "sts-parallel";
        await CreateNamespaceAsync(ns);
        await Client.CreateNamespacedStatefulSetAsync(StatefulSet("par", 3, parallel: true), ns);

        // Parallel: all three come up without waiting for readiness.
        Assert.True(await ControllersFixture.EventuallyAsync(async () => (await PodNamesAsync(ns)).SequenceEqual(["par-0", "par-1", "par-2"])));
        var uid = (await Client.ReadNamespacedPodAsync("par-1", ns)).Metadata.Uid;

        await Client.DeleteNamespacedPodAsync("par-1", ns);

        Assert.True(await ControllersFixture.EventuallyAsync(async () =>
            (await Client.ListNamespacedPodAsync(ns)).Items.Any(p => p.Metadata.Name == "par-1" && p.Metadata.Uid != uid && p.Metadata.DeletionTimestamp is null)));
    }

    [Fact]
    public async Task Kubectl_RolloutStatusHistoryAndUndo_Work()
    {
        if (!File.Exists("/usr/bin/kubectl"))
        {
            return;
        }

        const string ns = "sts-kubectl";
        await CreateNamespaceAsync(ns);
        await Client.CreateNamespacedStatefulSetAsync(StatefulSet("kc", 2, parallel: true), ns);
        Assert.True(await ControllersFixture.EventuallyAsync(async () => (await PodNamesAsync(ns)).Count == 2));
        await FakeKubelet.MarkAllReadyAsync(Client, ns, "app=kc");
        var (code, output) = await KubectlAsync("-n", ns, "rollout", "status", "statefulset/kc", "--timeout=10s");
        Assert.True(code == 0, output + KubernetesJson.Serialize(await Client.ReadNamespacedStatefulSetAsync("kc", ns)));

        var firstRevision = (await Client.ReadNamespacedStatefulSetAsync("kc", ns)).Status.UpdateRevision;

        (code, output) = await KubectlAsync("-n", ns, "set", "image", "statefulset/kc", "c=busybox:2");
        Assert.True(code == 0, output);
        Assert.True(await ControllersFixture.EventuallyAsync(async () =>
        {
            await FakeKubelet.MarkAllReadyAsync(Client, ns, "app=kc");
            var s = (await Client.ReadNamespacedStatefulSetAsync("kc", ns)).Status;
            return s is { UpdatedReplicas: 2, ReadyReplicas: 2, ObservedGeneration: 2 } && s.CurrentRevision == s.UpdateRevision && s.UpdateRevision != firstRevision;
        }));
        (code, output) = await KubectlAsync("-n", ns, "rollout", "status", "statefulset/kc", "--timeout=10s");
        Assert.True(code == 0, output + KubernetesJson.Serialize(await Client.ReadNamespacedStatefulSetAsync("kc", ns)));
        (code, output) = await KubectlAsync("-n", ns, "rollout", "history", "statefulset/kc");
        Assert.True(code == 0, output);
        Assert.Matches(@"(?m)^1\s", output);
        Assert.Matches(@"(?m)^2\s", output);
        (code, output) = await KubectlAsync("-n", ns, "rollout", "history", "statefulset/kc", "--revision=2");
        Assert.True(code == 0, output);
        Assert.Contains("busybox:2", output, StringComparison.Ordinal);

        (code, output) = await KubectlAsync("-n", ns, "rollout", "undo", "statefulset/kc");
        Assert.True(code == 0, output);
        Assert.True(await ControllersFixture.EventuallyAsync(async () =>
        {
            await FakeKubelet.MarkAllReadyAsync(Client, ns, "app=kc");
            var set = await Client.ReadNamespacedStatefulSetAsync("kc", ns);
            var revisions = (await Client.ListNamespacedControllerRevisionAsync(ns)).Items;
            return set.Spec.Template.Spec.Containers[0].Image == "busybox" && set.Status.UpdatedReplicas == 2 && set.Status.UpdateRevision == firstRevision
                && set.Status.CurrentRevision == set.Status.UpdateRevision
                && revisions.Count == 2 && revisions.Single(r => r.Metadata.Name == set.Status.UpdateRevision).Revision == 3;
        }));
    }

    private async Task<(int Code, string Output)> KubectlAsync(params string[] args)
    {
        var info = new System.Diagnostics.ProcessStartInfo("/usr/bin/kubectl") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add("--kubeconfig=" + fixture.Server.KubeconfigPath);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = System.Diagnostics.Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }

    private async Task CreateNamespaceAsync(string ns) =>
        await Client.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } });

    private async Task<List<string>> PodNamesAsync(string ns) =>
        [.. (await Client.ListNamespacedPodAsync(ns)).Items.Where(p => p.Metadata.DeletionTimestamp is null).Select(p => p.Metadata.Name).Order(StringComparer.Ordinal)];

    private static V1StatefulSet StatefulSet(string name, int replicas, bool parallel = false) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1StatefulSetSpec
        {
            Replicas = replicas,
            ServiceName = "svc",
            PodManagementPolicy = parallel ? "Parallel" : "OrderedReady",
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = name } },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = name } },
                Spec = FakeKubelet.Spec(),
            },
        },
    };
}
