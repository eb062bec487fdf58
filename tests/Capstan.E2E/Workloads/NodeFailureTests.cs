using Capstan.E2E.Infrastructure;
using static Capstan.E2E.Workloads.SelfHealingTests;

namespace Capstan.E2E.Workloads;

/// <summary>A second node joins with `capstan agent`; its death and its drain move pods to the server's node.</summary>
[Trait("Category", "Slow")]
public sealed class NodeFailureTests(WorkloadCluster cluster) : IClassFixture<WorkloadCluster>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);
    private readonly Kubectl _kubectl = cluster.Kubectl;

    [Fact]
    public async Task AgentKilled_ItsPodsAreReplacedOnTheOtherNode_AndDrainHonoursTheBudget()
    {
        var worker = "worker-" + Guid.NewGuid().ToString("N")[..6];
        var index = await cluster.StartAgentAsync(worker);
        var nodes = (await _kubectl.RunAsync("get", "nodes")).EnsureSuccess().Stdout;
        Assert.Contains(worker, nodes, StringComparison.Ordinal);

        // Drain first: the budget keeps both replicas until it allows one disruption.
        var ns = await cluster.CreateNamespaceAsync();
        await PlaceOnWorkerAsync(ns, "drained", 2, worker);
        (await _kubectl.RunWithInputAsync($"""
            apiVersion: policy/v1
            kind: PodDisruptionBudget
            metadata: {"{"}name: drained{"}"}
            spec:
              minAvailable: 2
              selector:
                matchLabels: {"{"}app: drained{"}"}
            """, "apply", "-n", ns, "-f", "-")).EnsureSuccess();
        await WorkloadCluster.WaitAsync(async () =>
            (await _kubectl.RunAsync("get", "pdb", "drained", "-n", ns, "-o", "jsonpath={.status.currentHealthy}")).Stdout == "2", Bound, "the budget to count 2 healthy pods");

        var blocked = await _kubectl.RunAsync(["drain", worker, "--ignore-daemonsets", "--timeout=6s"], null, Bound);
        Assert.NotEqual(0, blocked.ExitCode);
        Assert.Contains("disruption budget", blocked.Output, StringComparison.Ordinal);
        Assert.Equal(2, (await cluster.PodsAsync(ns, "app=drained")).Count(p => Str(p!["spec"]!["nodeName"]) == worker));

        (await _kubectl.RunAsync("patch", "pdb", "drained", "-n", ns, "--type=merge", "-p", """{"spec":{"minAvailable":1}}""")).EnsureSuccess();
        (await _kubectl.RunAsync(["drain", worker, "--ignore-daemonsets", "--timeout=60s"], null, Bound)).EnsureSuccess();
        await WaitAllReadyOnAsync(ns, "drained", 2, cluster.NodeName);
        (await _kubectl.RunAsync("uncordon", worker)).EnsureSuccess();

        // Then the machine dies: no agent, no pod processes. Its pods come back on the server's node.
        var dying = await cluster.CreateNamespaceAsync();
        await PlaceOnWorkerAsync(dying, "moved", 3, worker);

        await cluster.KillAgentMachineAsync(index);

        await WorkloadCluster.WaitAsync(async () =>
            (await _kubectl.RunAsync("get", "node", worker, "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}")).Stdout == "Unknown",
            Bound, "the dead node to go Ready=Unknown");
        var taints = (await _kubectl.RunAsync("get", "node", worker, "-o", "jsonpath={.spec.taints[*].key}")).EnsureSuccess().Stdout;
        Assert.Contains("node.kubernetes.io/unreachable", taints, StringComparison.Ordinal);
        await WaitAllReadyOnAsync(dying, "moved", 3, cluster.NodeName);
    }

    // The server's node is cordoned while the Deployment rolls out, so every replica lands on the worker.
    private async Task PlaceOnWorkerAsync(string ns, string app, int replicas, string worker)
    {
        (await _kubectl.RunAsync("cordon", cluster.NodeName)).EnsureSuccess();
        try
        {
            (await _kubectl.RunAsync("apply", "-n", ns, "-f", cluster.ManifestFile(WorkloadManifests.Deployment(app, replicas)))).EnsureSuccess();
            (await _kubectl.RunAsync(["rollout", "status", "-n", ns, $"deployment/{app}", "--timeout=60s"], null, Bound)).EnsureSuccess();
            Assert.All(await cluster.PodsAsync(ns, "app=" + app), p => Assert.Equal(worker, Str(p!["spec"]!["nodeName"])));
        }
        finally
        {
            (await _kubectl.RunAsync("uncordon", cluster.NodeName)).EnsureSuccess();
        }
    }

    private Task WaitAllReadyOnAsync(string ns, string app, int replicas, string node) =>
        WorkloadCluster.WaitAsync(async () =>
        {
            var pods = await cluster.PodsAsync(ns, "app=" + app);
            var live = pods.Where(p => p!["metadata"]!["deletionTimestamp"] is null).ToList();
            return live.Count == replicas && live.All(p => Str(p!["spec"]!["nodeName"]) == node && Ready(p!.AsObject()));
        }, Bound, $"{replicas} Ready replicas of {app} on {node}");
}
