using System.Text.Json.Nodes;
using Capstan.E2E.Infrastructure;

namespace Capstan.E2E.Workloads;

/// <summary>
/// The workloads issue's end-to-end checks with the real kubectl against `capstan server` and its embedded agent:
/// Deployments become Ready, and crashed, unhealthy and deleted pods are healed.
/// </summary>
[Trait("Category", "Slow")]
public sealed class SelfHealingTests(WorkloadCluster cluster) : IClassFixture<WorkloadCluster>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private readonly Kubectl _kubectl = cluster.Kubectl;
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    [Fact]
    public async Task Deployment_ThreeReplicas_BecomeReadyAndServeTheirPodIp()
    {
        var ns = await cluster.CreateNamespaceAsync();
        (await _kubectl.RunAsync("apply", "-n", ns, "-f", cluster.ManifestFile(WorkloadManifests.Deployment("web", 3)))).EnsureSuccess();

        (await _kubectl.RunAsync(["rollout", "status", "-n", ns, "deployment/web", "--timeout=60s"], null, Bound)).EnsureSuccess();

        var get = (await _kubectl.RunAsync("get", "deployment", "web", "-n", ns)).EnsureSuccess();
        Assert.Contains("3/3", get.Stdout, StringComparison.Ordinal);
        var pods = await cluster.PodsAsync(ns, "app=web");
        Assert.Equal(3, pods.Count);
        Assert.Equal(3, pods.Select(p => Str(p!["status"]!["podIP"])).Distinct().Count());
        foreach (var pod in pods)
        {
            Assert.Equal("Running", Str(pod!["status"]!["phase"]));
            var ip = Str(pod["status"]!["podIP"]);
            Assert.Equal(Str(pod["metadata"]!["name"]), await Http.GetStringAsync($"http://{ip}:8080/hostname"));
            Assert.Equal(ip, await Http.GetStringAsync($"http://{ip}:8080/ip"));
        }
    }

    [Fact]
    public async Task KilledProcess_IsRestarted_RestartCountGrows()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var (name, ip) = await SingleReadyPodAsync(ns, "crash");

        using var _ = await Http.PostAsync($"http://{ip}:8080/exit?code=7", null);

        await WaitPodAsync(ns, name, p => RestartCount(p) == 1 && Ready(p), "restartCount 1 and Ready again");
        var pod = await PodAsync(ns, name);
        var last = pod["status"]!["containerStatuses"]![0]!["lastState"]!["terminated"]!;
        Assert.Equal(7, last["exitCode"]!.GetValue<int>());
        Assert.Equal("Error", Str(last["reason"]));
    }

    [Fact]
    public async Task DeletedPod_IsReplaced()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var (name, _) = await SingleReadyPodAsync(ns, "replace");

        (await _kubectl.RunAsync(["delete", "pod", "-n", ns, name, "--wait=true", "--timeout=60s"], null, Bound)).EnsureSuccess();

        await WorkloadCluster.WaitAsync(async () =>
        {
            var pods = await cluster.PodsAsync(ns, "app=replace");
            return pods.Count == 1 && Str(pods[0]!["metadata"]!["name"]) != name && Ready(pods[0]!.AsObject());
        }, Bound, "a Ready replacement pod");
    }

    [Fact]
    public async Task FailingLiveness_RestartsTheContainer()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var (name, ip) = await SingleReadyPodAsync(ns, "live");

        using var _ = await Http.PostAsync($"http://{ip}:8080/healthz/fail", null);

        await WaitPodAsync(ns, name, p => RestartCount(p) >= 1, "the liveness restart");
        var describe = (await _kubectl.RunAsync("describe", "pod", "-n", ns, name)).EnsureSuccess().Stdout;
        Assert.Contains("Liveness probe failed", describe, StringComparison.Ordinal);
        Assert.Contains("failed liveness probe, will be restarted", describe, StringComparison.Ordinal);
        await WaitPodAsync(ns, name, Ready, "Ready after the restart (the new process is healthy)");
    }

    [Fact]
    public async Task FailingReadiness_MakesThePodNotReady_WithoutRestart()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var (name, ip) = await SingleReadyPodAsync(ns, "ready");

        using (await Http.PostAsync($"http://{ip}:8080/readyz/fail", null))
        {
        }

        await WaitPodAsync(ns, name, p => !Ready(p), "Ready=False");
        var pod = await PodAsync(ns, name);
        Assert.Equal(0, RestartCount(pod));
        Assert.Equal("Running", Str(pod["status"]!["phase"]));
        await WorkloadCluster.WaitAsync(async () =>
            (await _kubectl.RunAsync("get", "deployment", "ready", "-n", ns, "-o", "jsonpath={.status.readyReplicas}")).Stdout is "" or "0", Bound, "readyReplicas 0");

        using (await Http.PostAsync($"http://{ip}:8080/readyz/ok", null))
        {
        }

        await WaitPodAsync(ns, name, Ready, "Ready again");
        Assert.Equal(0, RestartCount(await PodAsync(ns, name)));
    }

    [Fact]
    public async Task CrashingContainer_ShowsCrashLoopBackOff_WithGrowingBackOff()
    {
        var ns = await cluster.CreateNamespaceAsync();
        (await _kubectl.RunAsync("apply", "-n", ns, "-f", cluster.ManifestFile(
            WorkloadManifests.Deployment("loop", 1, extraArgs: """, "--exit-after", "0.2", "--exit-code", "3" """, probes: "")))).EnsureSuccess();

        var messages = new HashSet<string>();
        await WorkloadCluster.WaitAsync(async () =>
        {
            var pods = await cluster.PodsAsync(ns, "app=loop");
            var waiting = pods.Count == 1 ? pods[0]!["status"]?["containerStatuses"]?[0]?["state"]?["waiting"] : null;
            if (Str(waiting?["reason"]) == "CrashLoopBackOff")
            {
                messages.Add(Str(waiting!["message"]));
            }

            return messages.Any(m => m.StartsWith("back-off 2s", StringComparison.Ordinal));
        }, Bound, "CrashLoopBackOff with a doubled back-off; seen: " + string.Join(" | ", messages));

        Assert.Contains(messages, m => m.StartsWith("back-off 1s restarting failed container=web pod=", StringComparison.Ordinal));
        var get = (await _kubectl.RunAsync("get", "pods", "-n", ns)).EnsureSuccess().Stdout;
        Assert.Matches("(CrashLoopBackOff|Error|Running)", get);
        var events = (await _kubectl.RunAsync("get", "events", "-n", ns, "--field-selector", "reason=BackOff")).EnsureSuccess().Stdout;
        Assert.Contains("Back-off restarting failed container web", events, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LogsExecAndPortForward_ReachThePod()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var (name, ip) = await SingleReadyPodAsync(ns, "streams");
        await Http.GetStringAsync($"http://{ip}:8080/echo?msg=hello-logs");

        var logs = (await _kubectl.RunAsync("logs", "-n", ns, name)).EnsureSuccess().Stdout;
        Assert.Contains($"listening on {ip}:8080", logs, StringComparison.Ordinal);
        Assert.Contains("/echo", logs, StringComparison.Ordinal);
        var tail = (await _kubectl.RunAsync("logs", "-n", ns, name, "--tail=1", "--timestamps")).EnsureSuccess();
        Assert.Single(tail.Lines);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT", tail.Lines[0]);

        var exec = await _kubectl.RunAsync("exec", "-n", ns, name, "--", "sh", "-c", "echo in $(hostname); exit 4");
        Assert.Equal(4, exec.ExitCode);
        Assert.Contains($"in {name}", exec.Stdout, StringComparison.Ordinal);
        var stdin = await _kubectl.RunWithInputAsync("piped through\n", "exec", "-i", "-n", ns, name, "--", "cat");
        Assert.Equal("piped through", stdin.EnsureSuccess().Stdout.Trim());

        var localPort = CapstanServerFixture.FreePort();
        await using var forward = _kubectl.StartBackground("port-forward", "-n", ns, $"pod/{name}", $"{localPort}:8080");
        Assert.True(await forward.WaitForAsync(o => o.Contains("Forwarding from", StringComparison.Ordinal), TimeSpan.FromSeconds(30)), forward.Stderr);
        Assert.Equal(ip, await Http.GetStringAsync($"http://127.0.0.1:{localPort}/ip"));
    }

    private async Task<(string Name, string Ip)> SingleReadyPodAsync(string ns, string app)
    {
        (await _kubectl.RunAsync("apply", "-n", ns, "-f", cluster.ManifestFile(WorkloadManifests.Deployment(app, 1)))).EnsureSuccess();
        (await _kubectl.RunAsync(["rollout", "status", "-n", ns, $"deployment/{app}", "--timeout=60s"], null, Bound)).EnsureSuccess();
        var pods = await cluster.PodsAsync(ns, "app=" + app);
        var pod = Assert.Single(pods)!;
        return (Str(pod["metadata"]!["name"]), Str(pod["status"]!["podIP"]));
    }

    private async Task<JsonObject> PodAsync(string ns, string name) =>
        JsonNode.Parse((await _kubectl.RunAsync("get", "pod", "-n", ns, name, "-o", "json")).EnsureSuccess().Stdout)!.AsObject();

    private Task WaitPodAsync(string ns, string name, Func<JsonObject, bool> condition, string what) =>
        WorkloadCluster.WaitAsync(async () => condition(await PodAsync(ns, name)), Bound, $"pod {name}: {what}");

    internal static bool Ready(JsonObject pod) =>
        pod["status"]?["conditions"]?.AsArray().Any(c => Str(c?["type"]) == "Ready" && Str(c?["status"]) == "True") == true;

    internal static int RestartCount(JsonObject pod) => pod["status"]?["containerStatuses"]?[0]?["restartCount"]?.GetValue<int>() ?? 0;

    internal static string Str(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : "";
}
