using System.Text.Json.Nodes;
using Capstan.E2E.Infrastructure;

namespace Capstan.E2E.Eviction;

/// <summary>
/// Node-pressure eviction with the real kubectl: faked memory pressure gives the node MemoryPressure and the
/// memory-pressure taint, the BestEffort pod is evicted before the Guaranteed one (Failed, reason Evicted), and the
/// condition and taint clear once the pressure has been gone for the transition period.
/// </summary>
[Trait("Category", "Slow")]
public sealed class NodePressureEvictionTests(EvictionCluster cluster) : IClassFixture<EvictionCluster>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private readonly Kubectl _kubectl = cluster.Kubectl;

    [Fact]
    public async Task MemoryPressure_TaintsNodeEvictsBestEffortFirst_ClearsAfterTransition()
    {
        var ns = await cluster.CreateNamespaceAsync();
        (await _kubectl.RunAsync("apply", "-n", ns, "-f", cluster.ManifestFile(Pod("guaranteed", """
                resources:
                  requests: {cpu: 10m, memory: 16Mi}
                  limits: {cpu: 10m, memory: 16Mi}
            """)))).EnsureSuccess();
        (await _kubectl.RunAsync("apply", "-n", ns, "-f", cluster.ManifestFile(Pod("besteffort", "")))).EnsureSuccess();
        (await _kubectl.RunAsync(["wait", "-n", ns, "--for=condition=Ready", "pod/guaranteed", "pod/besteffort", "--timeout=60s"], null, Bound)).EnsureSuccess();

        await File.WriteAllTextAsync(cluster.SignalsFile, "memory.available=50Mi\n");

        await WorkloadCluster.WaitAsync(async () => await ConditionAsync("MemoryPressure") == "True", Bound, "MemoryPressure True");
        await WorkloadCluster.WaitAsync(async () => (await TaintsAsync()).Contains("node.kubernetes.io/memory-pressure:NoSchedule"), Bound, "the memory-pressure taint");

        // A new pod that does not tolerate the taint is not scheduled while it is there (and is once it is gone, below).
        (await _kubectl.RunAsync("apply", "-n", ns, "-f", cluster.ManifestFile(Pod("late", "")))).EnsureSuccess();
        await WorkloadCluster.WaitAsync(async () =>
            (await _kubectl.RunAsync("get", "pod", "late", "-n", ns, "-o", "jsonpath={.status.conditions[?(@.type==\"PodScheduled\")].reason}")).Stdout.Trim() == "Unschedulable",
            Bound, "the new pod to be unschedulable");

        JsonObject? evicted = null;
        await WorkloadCluster.WaitAsync(async () =>
        {
            var pods = JsonNode.Parse((await _kubectl.RunAsync("get", "pods", "-n", ns, "-o", "json")).EnsureSuccess().Stdout)!["items"]!.AsArray();
            evicted = pods.Select(p => p!.AsObject()).Where(p => p["metadata"]!["name"]!.GetValue<string>() != "late").FirstOrDefault(p => p["status"]?["reason"]?.GetValue<string>() == "Evicted");
            return evicted is not null;
        }, Bound, "an evicted pod");

        // The first pod evicted is the BestEffort one; relieve the node before the next pass can take another.
        await File.WriteAllTextAsync(cluster.SignalsFile, "");
        Assert.Equal("besteffort", evicted!["metadata"]!["name"]!.GetValue<string>());
        Assert.Equal("Failed", evicted["status"]!["phase"]!.GetValue<string>());
        Assert.StartsWith("The node was low on resource: memory. Threshold quantity: 100Mi, available: 50Mi.", evicted["status"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains(evicted["status"]!["conditions"]!.AsArray(), c => c!["type"]!.GetValue<string>() == "DisruptionTarget" && c["reason"]!.GetValue<string>() == "TerminationByKubelet");

        // kubectl's STATUS column shows the killed container's reason over the pod's, as in Kubernetes; the reason is in the status.
        var get = (await _kubectl.RunAsync("get", "pod", "besteffort", "-n", ns, "-o", "custom-columns=NAME:.metadata.name,PHASE:.status.phase,REASON:.status.reason")).EnsureSuccess().Stdout;
        Assert.Matches(@"besteffort\s+Failed\s+Evicted", get);
        await WorkloadCluster.WaitAsync(async () =>
            (await _kubectl.RunAsync("get", "events", "-n", ns, "--field-selector", "reason=Evicted,involvedObject.name=besteffort", "-o", "name")).Stdout.Trim().Length > 0,
            Bound, "the Evicted event");

        await WorkloadCluster.WaitAsync(async () => await ConditionAsync("MemoryPressure") == "False", Bound, "MemoryPressure False after the transition period");
        await WorkloadCluster.WaitAsync(async () => !(await TaintsAsync()).Contains("memory-pressure"), Bound, "the taint removed");
        await WorkloadCluster.WaitAsync(async () =>
            (await _kubectl.RunAsync("get", "pod", "late", "-n", ns, "-o", "jsonpath={.spec.nodeName}")).Stdout.Trim() == cluster.NodeName,
            Bound, "the new pod scheduled once the taint is gone");
    }

    private async Task<string> ConditionAsync(string type) =>
        (await _kubectl.RunAsync("get", "node", cluster.NodeName, "-o", $"jsonpath={{.status.conditions[?(@.type==\"{type}\")].status}}")).EnsureSuccess().Stdout.Trim();

    private async Task<string> TaintsAsync() =>
        (await _kubectl.RunAsync("get", "node", cluster.NodeName, "-o", "jsonpath={range .spec.taints[*]}{.key}:{.effect} {end}")).EnsureSuccess().Stdout;

    private static string Pod(string name, string resources) => $$"""
        apiVersion: v1
        kind: Pod
        metadata:
          name: {{name}}
        spec:
          terminationGracePeriodSeconds: 1
          containers:
          - name: main
            image: capstan/testserver
            command: ["sleep", "3600"]
        {{resources}}
        """;
}
