using System.Text.Json.Nodes;
using Capstan.E2E.Infrastructure;

namespace Capstan.E2E.Storage;

/// <summary>
/// Local-path volumes on a two-node cluster (the server's node and a joined `capstan agent`): a WaitForFirstConsumer
/// claim is provisioned on the node the scheduler picked, in that agent's own storage root, and a later pod of the
/// claim can only run there (the PersistentVolume's node affinity).
/// </summary>
[Trait("Category", "Slow")]
public sealed class TwoNodeStorageTests(WorkloadCluster cluster) : IClassFixture<WorkloadCluster>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task WaitForFirstConsumer_ProvisionedOnPickedNode_LaterPodsFollowTheVolume()
    {
        var kubectl = cluster.Kubectl;
        var worker = "st-worker-" + Guid.NewGuid().ToString("N")[..6];
        await cluster.StartAgentAsync(worker);
        var ns = await cluster.CreateNamespaceAsync();

        // Only the worker can take the first pod: the claim must be provisioned there.
        (await kubectl.RunAsync("cordon", cluster.NodeName)).EnsureSuccess();
        try
        {
            await ApplyAsync(ns, Claim + "---\n" + Pod("writer", "echo here > /data/f"));
            await WaitPhaseAsync(ns, "writer", "Succeeded");
        }
        finally
        {
            (await kubectl.RunAsync("uncordon", cluster.NodeName)).EnsureSuccess();
        }

        var claim = await GetAsync(ns, "pvc", "data");
        Assert.Equal(worker, Str(claim["metadata"]?["annotations"]?["volume.kubernetes.io/selected-node"]));
        var pv = await GetAsync(null, "pv", Str(claim["spec"]?["volumeName"]));
        Assert.StartsWith($"{cluster.DataDir}-agent0{Path.DirectorySeparatorChar}storage{Path.DirectorySeparatorChar}", Str(pv["spec"]?["hostPath"]?["path"]), StringComparison.Ordinal);

        // With the worker cordoned, a new pod of the claim has nowhere to go: the server's node conflicts with the volume.
        (await kubectl.RunAsync("cordon", worker)).EnsureSuccess();
        await ApplyAsync(ns, Pod("reader", "cat /data/f"));
        await WorkloadCluster.WaitAsync(async () =>
        {
            var events = await kubectl.RunAsync("get", "events", "-n", ns, "--field-selector", "involvedObject.name=reader,reason=FailedScheduling", "-o", "jsonpath={.items[*].message}");
            return events.Stdout.Contains("volume node affinity conflict", StringComparison.Ordinal);
        }, Bound, "FailedScheduling with a volume node affinity conflict");

        (await kubectl.RunAsync("uncordon", worker)).EnsureSuccess();
        await WaitPhaseAsync(ns, "reader", "Succeeded");
        var reader = await GetAsync(ns, "pod", "reader");
        Assert.Equal(worker, Str(reader["spec"]?["nodeName"]));
        Assert.Equal("here", (await kubectl.RunAsync("logs", "-n", ns, "reader")).EnsureSuccess().Stdout.Trim());
    }

    private const string Claim = """
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata: {name: data}
        spec:
          accessModes: [ReadWriteOnce]
          resources: {requests: {storage: 16Mi}}

        """;

    private static string Pod(string name, string script) => $$$"""
        apiVersion: v1
        kind: Pod
        metadata: {name: {{{name}}}}
        spec:
          restartPolicy: Never
          terminationGracePeriodSeconds: 1
          containers:
          - name: c
            image: busybox
            command: ["sh", "-c", "{{{script}}}"]
            volumeMounts: [{name: d, mountPath: /data}]
          volumes:
          - name: d
            persistentVolumeClaim: {claimName: data}

        """;

    private async Task ApplyAsync(string ns, string manifest) =>
        (await cluster.Kubectl.RunAsync("apply", "-n", ns, "-f", cluster.ManifestFile(manifest))).EnsureSuccess();

    private async Task<JsonObject> GetAsync(string? ns, string kind, string name)
    {
        string[] args = ns is null ? ["get", kind, name, "-o", "json"] : ["get", kind, "-n", ns, name, "-o", "json"];
        return JsonNode.Parse((await cluster.Kubectl.RunAsync(args)).EnsureSuccess().Stdout)!.AsObject();
    }

    private async Task WaitPhaseAsync(string ns, string pod, string phase) =>
        await WorkloadCluster.WaitAsync(async () =>
        {
            var result = await cluster.Kubectl.RunAsync("get", "pod", "-n", ns, pod, "-o", "jsonpath={.status.phase}");
            return result.ExitCode == 0 && result.Stdout.Trim() == phase;
        }, Bound, $"pod {pod} to be {phase}");

    private static string Str(JsonNode? node) => node?.GetValue<string>() ?? "";
}
