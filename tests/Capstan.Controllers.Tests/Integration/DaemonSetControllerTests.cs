using System.Text.Json.Nodes;
using Capstan.Controllers.Tests.DaemonSet;
using k8s;
using k8s.Models;

namespace Capstan.Controllers.Tests.Integration;

[Trait("Category", "Slow")]
public sealed class DaemonSetControllerTests(DaemonSetFixture fixture) : IClassFixture<DaemonSetFixture>
{
    private Kubernetes Client => fixture.Client;

    [Fact]
    public async Task DaemonSet_NodesAddedAndTemplateChanged_OnePodPerNodeRolledToNewRevision()
    {
        const string ns = "ds-basic";
        await Client.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } });
        // Nodes are cluster-wide and the fixture is shared: each test's DaemonSet selects its own nodes.
        await RegisterAsync("ds-node-1", "basic");
        await RegisterAsync("ds-node-2", "basic");
        var created = DaemonSet("agent", "nginx:1");
        created.Spec.Template.Spec.NodeSelector = new Dictionary<string, string> { ["suite"] = "basic" };
        await Client.CreateNamespacedDaemonSetAsync(created, ns);

        Assert.True(await ControllersFixture.EventuallyAsync(async () => NodesOf(await ActivePodsAsync(ns)).SetEquals(["ds-node-1", "ds-node-2"])));
        var ds = await Client.ReadNamespacedDaemonSetAsync("agent", ns);
        Assert.All(await ActivePodsAsync(ns), p =>
        {
            var owner = Assert.Single(p.Metadata.OwnerReferences);
            Assert.Equal((ds.Metadata.Uid, "DaemonSet", true), (owner.Uid, owner.Kind, owner.Controller));
            Assert.False(string.IsNullOrEmpty(p.Metadata.Labels["controller-revision-hash"]));
            Assert.Contains(p.Spec.Tolerations, t => t.Key == "node.kubernetes.io/unreachable" && t.Effect == "NoExecute");
        });

        await FakeKubelet.MarkAllReadyAsync(Client, ns, "app=agent");
        Assert.True(await ControllersFixture.EventuallyAsync(async () =>
        {
            var s = (await Client.ReadNamespacedDaemonSetAsync("agent", ns)).Status;
            return s.DesiredNumberScheduled == 2 && s.CurrentNumberScheduled == 2 && s.NumberReady == 2 && s.NumberAvailable == 2
                && s.UpdatedNumberScheduled == 2 && s.ObservedGeneration == 1 && (s.NumberUnavailable ?? 0) == 0;
        }));

        // A third node gets a third daemon.
        await RegisterAsync("ds-node-3", "basic");
        Assert.True(await ControllersFixture.EventuallyAsync(async () => NodesOf(await ActivePodsAsync(ns)).SetEquals(["ds-node-1", "ds-node-2", "ds-node-3"])));
        await FakeKubelet.MarkAllReadyAsync(Client, ns, "app=agent");

        // A new template replaces every pod and records a second revision.
        var oldHashes = (await ActivePodsAsync(ns)).Select(p => p.Metadata.Labels["controller-revision-hash"]).ToHashSet();
        Assert.Single(oldHashes);
        var patch = """{"spec":{"template":{"spec":{"containers":[{"name":"agent","image":"nginx:2"}]}}}}""";
        await Client.PatchNamespacedDaemonSetAsync(new V1Patch(patch, V1Patch.PatchType.StrategicMergePatch), "agent", ns);
        Assert.True(await ControllersFixture.EventuallyAsync(async () =>
        {
            await FakeKubelet.MarkAllReadyAsync(Client, ns, "app=agent");
            var pods = await ActivePodsAsync(ns);
            var s = (await Client.ReadNamespacedDaemonSetAsync("agent", ns)).Status;
            return pods.Count == 3 && pods.All(p => !oldHashes.Contains(p.Metadata.Labels["controller-revision-hash"]) && p.Spec.Containers[0].Image == "nginx:2")
                && NodesOf(pods).Count == 3 && s.UpdatedNumberScheduled == 3 && s.NumberAvailable == 3 && s.ObservedGeneration == 2;
        }));

        var revisions = (await Client.ListNamespacedControllerRevisionAsync(ns)).Items.OrderBy(r => r.Revision).ToList();
        Assert.Equal(2, revisions.Count);
        Assert.Equal([1L, 2L], revisions.Select(r => r.Revision));
        Assert.All(revisions, r => Assert.StartsWith("agent-", r.Metadata.Name, StringComparison.Ordinal));
        Assert.True(await ControllersFixture.EventuallyAsync(async () => (await Client.CoreV1.ListNamespacedEventAsync(ns)).Items.Any(e =>
            e.Reason == "SuccessfulDelete" && e.ReportingComponent == "daemonset-controller" && e.InvolvedObject.Name == "agent")));

        // The real kubectl reads the status and the revisions.
        var (code, output) = await KubectlAsync("rollout", "status", "-n", ns, "daemonset/agent", "--timeout=30s");
        Assert.True(code == 0, output);
        Assert.Contains("successfully rolled out", output, StringComparison.Ordinal);
        (code, output) = await KubectlAsync("rollout", "history", "-n", ns, "daemonset/agent");
        Assert.True(code == 0, output);
        Assert.Matches(@"(?m)^1\s", output);
        Assert.Matches(@"(?m)^2\s", output);
        (code, output) = await KubectlAsync("rollout", "history", "-n", ns, "daemonset/agent", "--revision=1");
        Assert.True(code == 0, output);
        Assert.Contains("nginx:1", output, StringComparison.Ordinal);

        // Undo brings the first template back: its revision is renumbered to 3 and the pods roll back.
        (code, output) = await KubectlAsync("rollout", "undo", "-n", ns, "daemonset/agent");
        Assert.True(code == 0, output);
        Assert.True(await ControllersFixture.EventuallyAsync(async () =>
        {
            await FakeKubelet.MarkAllReadyAsync(Client, ns, "app=agent");
            var pods = await ActivePodsAsync(ns);
            var numbers = (await Client.ListNamespacedControllerRevisionAsync(ns)).Items.Select(r => r.Revision).Order().ToList();
            return pods.Count == 3 && pods.All(p => oldHashes.Contains(p.Metadata.Labels["controller-revision-hash"])) && numbers.SequenceEqual([2L, 3L]);
        }));
    }

    private async Task<(int Code, string Output)> KubectlAsync(params string[] args)
    {
        var start = new System.Diagnostics.ProcessStartInfo("kubectl") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("--kubeconfig");
        start.ArgumentList.Add(fixture.Server.KubeconfigPath);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = System.Diagnostics.Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }

    [Fact]
    public async Task DaemonSet_NodeSelectorTaintsAndOnDelete_OnlyEligibleNodesAndNoAutomaticReplacement()
    {
        const string ns = "ds-select";
        await Client.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } });
        await FakeKubelet.RegisterNodeAsync(Client, "sel-node-1");
        await FakeKubelet.RegisterNodeAsync(Client, "sel-node-2");
        await FakeKubelet.RegisterNodeAsync(Client, "sel-node-3");
        await LabelAsync("sel-node-1", "role", "edge");
        await LabelAsync("sel-node-2", "role", "edge");
        var taint = """{"spec":{"taints":[{"key":"dedicated","value":"db","effect":"NoSchedule"}]}}""";
        await Client.PatchNodeAsync(new V1Patch(taint, V1Patch.PatchType.MergePatch), "sel-node-2");

        var ds = DaemonSet("agent", "nginx:1");
        ds.Spec.Template.Spec.NodeSelector = new Dictionary<string, string> { ["role"] = "edge" };
        ds.Spec.UpdateStrategy = new V1DaemonSetUpdateStrategy { Type = "OnDelete" };
        await Client.CreateNamespacedDaemonSetAsync(ds, ns);

        // Node 3 lacks the label and node 2's taint is not tolerated: only node 1 runs a daemon.
        Assert.True(await ControllersFixture.EventuallyAsync(async () =>
            NodesOf(await ActivePodsAsync(ns)).SetEquals(["sel-node-1"]) && (await Client.ReadNamespacedDaemonSetAsync("agent", ns)).Status?.DesiredNumberScheduled == 1));

        // Labelling node 3 makes it eligible.
        await LabelAsync("sel-node-3", "role", "edge");
        Assert.True(await ControllersFixture.EventuallyAsync(async () => NodesOf(await ActivePodsAsync(ns)).SetEquals(["sel-node-1", "sel-node-3"])));

        // OnDelete: a new template changes nothing until a pod is deleted by hand.
        var before = (await ActivePodsAsync(ns)).Select(p => p.Metadata.Name).ToHashSet();
        var patch = """{"spec":{"template":{"spec":{"containers":[{"name":"agent","image":"nginx:2"}]}}}}""";
        await Client.PatchNamespacedDaemonSetAsync(new V1Patch(patch, V1Patch.PatchType.StrategicMergePatch), "agent", ns);
        Assert.True(await ControllersFixture.EventuallyAsync(async () => (await Client.ReadNamespacedDaemonSetAsync("agent", ns)).Status?.ObservedGeneration == 2));
        Assert.True((await ActivePodsAsync(ns)).Select(p => p.Metadata.Name).ToHashSet().SetEquals(before));

        var victim = (await ActivePodsAsync(ns)).Single(p => NodesOf([p]).Contains("sel-node-1"));
        await Client.DeleteNamespacedPodAsync(victim.Metadata.Name, ns, new V1DeleteOptions { GracePeriodSeconds = 0 });
        Assert.True(await ControllersFixture.EventuallyAsync(async () =>
        {
            var pods = await ActivePodsAsync(ns);
            return pods.Count == 2 && pods.Single(p => NodesOf([p]).Contains("sel-node-1")).Spec.Containers[0].Image == "nginx:2"
                && pods.Single(p => NodesOf([p]).Contains("sel-node-3")).Spec.Containers[0].Image == "nginx:1";
        }));
    }

    private async Task RegisterAsync(string node, string suite)
    {
        await FakeKubelet.RegisterNodeAsync(Client, node);
        await LabelAsync(node, "suite", suite);
    }

    private async Task LabelAsync(string node, string key, string value) =>
        await Client.PatchNodeAsync(new V1Patch(new JsonObject { ["metadata"] = new JsonObject { ["labels"] = new JsonObject { [key] = value } } }.ToJsonString(), V1Patch.PatchType.MergePatch), node);

    private async Task<List<V1Pod>> ActivePodsAsync(string ns) =>
        [.. (await Client.ListNamespacedPodAsync(ns, labelSelector: "app=agent")).Items.Where(p => p.Metadata.DeletionTimestamp is null)];

    /// <summary>The node each pod is pinned to by its matchFields affinity term; a set, so duplicates show as a smaller count.</summary>
    private static HashSet<string> NodesOf(List<V1Pod> pods) =>
        pods.Select(p => p.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms[0].MatchFields[0].Values[0]).ToHashSet();

    private static V1DaemonSet DaemonSet(string name, string image) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1DaemonSetSpec
        {
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = name } },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = name } },
                Spec = new V1PodSpec { Containers = [new V1Container { Name = name, Image = image }] },
            },
        },
    };
}
