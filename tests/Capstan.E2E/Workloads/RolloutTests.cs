using Capstan.E2E.Infrastructure;

namespace Capstan.E2E.Workloads;

/// <summary>
/// The rollouts issue's end-to-end checks with the real kubectl against `capstan server` and its agent: set image/env,
/// history with change causes, undo, pause/resume, restart, and Capstan's automatic rollback of a crashing version.
/// </summary>
[Trait("Category", "Slow")]
public sealed class RolloutTests(WorkloadCluster cluster) : IClassFixture<WorkloadCluster>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private readonly Kubectl _kubectl = cluster.Kubectl;

    [Fact]
    public async Task SetImageAndEnv_HistoryShowsCauses_UndoRestoresTemplates()
    {
        var ns = await ReadyDeploymentAsync("hist", 2);
        await RunAsync("annotate", "-n", ns, "deployment/hist", "kubernetes.io/change-cause=initial", "--overwrite");

        await RunAsync("set", "image", "-n", ns, "deployment/hist", "web=capstan/testserver:v2");
        await RunAsync("annotate", "-n", ns, "deployment/hist", "kubernetes.io/change-cause=image v2", "--overwrite");
        await RolloutStatusAsync(ns, "hist");
        await RunAsync("set", "env", "-n", ns, "deployment/hist", "COLOUR=blue");
        await RunAsync("annotate", "-n", ns, "deployment/hist", "kubernetes.io/change-cause=colour blue", "--overwrite");
        await RolloutStatusAsync(ns, "hist");

        var history = (await RunAsync("rollout", "history", "-n", ns, "deployment/hist")).Stdout;
        Assert.Matches(@"(?m)^1\s+initial\s*$", history);
        Assert.Matches(@"(?m)^2\s+image v2\s*$", history);
        Assert.Matches(@"(?m)^3\s+colour blue\s*$", history);
        Assert.Contains("capstan/testserver:v2", (await RunAsync("rollout", "history", "-n", ns, "deployment/hist", "--revision=2")).Stdout, StringComparison.Ordinal);

        // Undo goes back to revision 2 (image v2 without the env var), which becomes revision 4.
        await RunAsync("rollout", "undo", "-n", ns, "deployment/hist");
        await RolloutStatusAsync(ns, "hist");
        Assert.Equal("capstan/testserver:v2", await JsonPathAsync(ns, "hist", "{.spec.template.spec.containers[0].image}"));
        Assert.DoesNotContain("COLOUR", await JsonPathAsync(ns, "hist", "{.spec.template.spec.containers[0].env}"), StringComparison.Ordinal);
        Assert.Equal("4", await JsonPathAsync(ns, "hist", "{.metadata.annotations.deployment\\.kubernetes\\.io/revision}"));

        await RunAsync("rollout", "undo", "-n", ns, "deployment/hist", "--to-revision=1");
        await RolloutStatusAsync(ns, "hist");
        Assert.Equal("capstan/testserver", await JsonPathAsync(ns, "hist", "{.spec.template.spec.containers[0].image}"));
        var after = (await RunAsync("rollout", "history", "-n", ns, "deployment/hist")).Stdout;
        Assert.Matches(@"(?m)^3\s+colour blue\s*$", after);
        Assert.Matches(@"(?m)^5\s+initial\s*$", after);
    }

    [Fact]
    public async Task Recreate_NoNewPodWhileAnOldOneExists()
    {
        var ns = await ReadyDeploymentAsync("recreate", 2);
        await RunAsync("patch", "-n", ns, "deployment/recreate", "--type=merge", "-p", """{"spec":{"strategy":{"type":"Recreate","rollingUpdate":null}}}""");
        var oldHash = (await cluster.PodsAsync(ns, "app=recreate"))[0]!["metadata"]!["labels"]!["pod-template-hash"]!.GetValue<string>();

        await RunAsync("set", "image", "-n", ns, "deployment/recreate", "web=capstan/testserver:v2");
        await WorkloadCluster.WaitAsync(async () =>
        {
            var hashes = (await cluster.PodsAsync(ns, "app=recreate")).Select(p => p!["metadata"]!["labels"]!["pod-template-hash"]!.GetValue<string>()).ToList();
            Assert.False(hashes.Contains(oldHash) && hashes.Any(h => h != oldHash), "old and new pods at once: " + string.Join(",", hashes));
            return hashes.Count == 2 && !hashes.Contains(oldHash);
        }, Bound, "two new pods and no old one");
        await RolloutStatusAsync(ns, "recreate");
    }

    [Fact]
    public async Task PauseResumeRestart_RollOutOnlyWhenResumed()
    {
        var ns = await ReadyDeploymentAsync("pause", 2);

        await RunAsync("rollout", "pause", "-n", ns, "deployment/pause");
        await RunAsync("set", "image", "-n", ns, "deployment/pause", "web=capstan/testserver:v2");
        await WorkloadCluster.WaitAsync(async () =>
            await JsonPathAsync(ns, "pause", "{.status.observedGeneration}") == await JsonPathAsync(ns, "pause", "{.metadata.generation}"), Bound, "the paused change observed");
        Assert.Contains("DeploymentPaused", await JsonPathAsync(ns, "pause", "{.status.conditions[?(@.type==\"Progressing\")].reason}"), StringComparison.Ordinal);
        Assert.Equal(1, await ReplicaSetCountAsync(ns, "pause"));

        await RunAsync("rollout", "resume", "-n", ns, "deployment/pause");
        await RolloutStatusAsync(ns, "pause");
        Assert.Equal(2, await ReplicaSetCountAsync(ns, "pause"));

        await RunAsync("rollout", "restart", "-n", ns, "deployment/pause");
        await RolloutStatusAsync(ns, "pause");
        Assert.Equal(3, await ReplicaSetCountAsync(ns, "pause"));
        Assert.NotEmpty(await JsonPathAsync(ns, "pause", "{.spec.template.metadata.annotations.kubectl\\.kubernetes\\.io/restartedAt}"));
    }

    [Fact]
    public async Task CrashingVersion_WithRollbackAnnotation_RolledBackAutomatically()
    {
        var ns = await ReadyDeploymentAsync("auto", 2);
        await RunAsync("annotate", "-n", ns, "deployment/auto", "capstan.io/rollback-on-failure=true", "capstan.io/rollback-max-restarts=1");

        await RunAsync("patch", "-n", ns, "deployment/auto", "--type=json", "-p",
            """[{"op":"add","path":"/spec/template/spec/containers/0/args","value":["--exit-after","0.3","--exit-code","1"]}]""");

        try
        {
            await WorkloadCluster.WaitAsync(async () =>
                (await JsonPathAsync(ns, "auto", "{.status.conditions[?(@.type==\"RolledBack\")].status}")) == "True", TimeSpan.FromSeconds(90), "the RolledBack condition");
        }
        catch (TimeoutException ex)
        {
            var state = (await _kubectl.RunAsync("get", "deployment,replicasets,pods", "-n", ns, "-o", "yaml")).Stdout;
            throw new TimeoutException(ex.Message + "\n" + state, ex);
        }
        Assert.Equal("", await JsonPathAsync(ns, "auto", "{.spec.template.spec.containers[0].args}"));
        await RolloutStatusAsync(ns, "auto");
        Assert.Equal("2", await JsonPathAsync(ns, "auto", "{.status.readyReplicas}"));
        var events = (await RunAsync("get", "events", "-n", ns, "--field-selector", "reason=RolledBack", "-o", "jsonpath={.items[*].message}")).Stdout;
        Assert.Contains("Rolled back to revision 1: ", events, StringComparison.Ordinal);
        var history = (await RunAsync("rollout", "history", "-n", ns, "deployment/auto")).Stdout;
        Assert.Matches(@"(?m)^2\s", history);
        Assert.Matches(@"(?m)^3\s", history);
    }

    [Fact]
    public async Task NeverReadyVersion_PastDeadline_RolledBackAutomatically()
    {
        var ns = await ReadyDeploymentAsync("stuck", 2);
        await RunAsync("annotate", "-n", ns, "deployment/stuck", "capstan.io/rollback-on-failure=true");
        await RunAsync("patch", "-n", ns, "deployment/stuck", "--type=merge", "-p", """{"spec":{"progressDeadlineSeconds":4}}""");

        // The new version's readiness probe asks a path that does not exist: its pods run but never become Ready.
        await RunAsync("patch", "-n", ns, "deployment/stuck", "--type=json", "-p",
            """[{"op":"replace","path":"/spec/template/spec/containers/0/readinessProbe/httpGet/path","value":"/never"}]""");

        await WorkloadCluster.WaitAsync(async () =>
            (await JsonPathAsync(ns, "stuck", "{.status.conditions[?(@.type==\"RolledBack\")].status}")) == "True", Bound, "the RolledBack condition");
        var message = await JsonPathAsync(ns, "stuck", "{.status.conditions[?(@.type==\"RolledBack\")].message}");
        Assert.StartsWith("Rolled back to revision 1: ", message, StringComparison.Ordinal);
        Assert.Contains("has timed out progressing", message, StringComparison.Ordinal);
        Assert.Equal("/readyz", await JsonPathAsync(ns, "stuck", "{.spec.template.spec.containers[0].readinessProbe.httpGet.path}"));
        await RolloutStatusAsync(ns, "stuck");
    }

    private async Task<string> ReadyDeploymentAsync(string name, int replicas)
    {
        var ns = await cluster.CreateNamespaceAsync();
        await RunAsync("apply", "-n", ns, "-f", cluster.ManifestFile(WorkloadManifests.Deployment(name, replicas)));
        await RolloutStatusAsync(ns, name);
        return ns;
    }

    private async Task RolloutStatusAsync(string ns, string name) =>
        (await _kubectl.RunAsync(["rollout", "status", "-n", ns, $"deployment/{name}", "--timeout=60s"], null, Bound)).EnsureSuccess();

    private async Task<string> JsonPathAsync(string ns, string name, string path) =>
        (await RunAsync("get", "deployment", name, "-n", ns, "-o", $"jsonpath={path}")).Stdout.Trim();

    private async Task<int> ReplicaSetCountAsync(string ns, string name) =>
        (await RunAsync("get", "replicasets", "-n", ns, "-l", $"app={name}", "-o", "name")).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;

    private async Task<KubectlResult> RunAsync(params string[] args) => (await _kubectl.RunAsync(args)).EnsureSuccess();
}
