using Capstan.E2E.Infrastructure;
using static Capstan.E2E.Workloads.SelfHealingTests;

namespace Capstan.E2E.Workloads;

/// <summary>Pods outlive their agent: a restarted server (and its embedded agent) adopts them without restarting them.</summary>
[Trait("Category", "Slow")]
public sealed class AgentRestartTests(WorkloadCluster cluster) : IClassFixture<WorkloadCluster>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RestartedAgent_AdoptsRunningPods_WithoutRestartingThem(bool killed)
    {
        var kubectl = cluster.Kubectl;
        var ns = await cluster.CreateNamespaceAsync();
        (await kubectl.RunAsync("apply", "-n", ns, "-f", cluster.ManifestFile(WorkloadManifests.Deployment("kept", 2)))).EnsureSuccess();
        (await kubectl.RunAsync(["rollout", "status", "-n", ns, "deployment/kept", "--timeout=60s"], null, Bound)).EnsureSuccess();
        var before = (await cluster.PodsAsync(ns, "app=kept"))
            .ToDictionary(p => Str(p!["metadata"]!["name"]), p => (Ip: Str(p!["status"]!["podIP"]), Started: Str(p!["status"]!["containerStatuses"]![0]!["state"]!["running"]!["startedAt"])));

        await cluster.StopServerAsync(kill: killed);
        foreach (var (name, pod) in before)
        {
            // Still serving with no server and no agent.
            Assert.Equal(name, await Http.GetStringAsync($"http://{pod.Ip}:8080/hostname"));
        }

        await cluster.StartServerAsync();

        await WorkloadCluster.WaitAsync(async () =>
        {
            var pods = await cluster.PodsAsync(ns, "app=kept");
            return pods.Count == 2 && pods.All(p => Ready(p!.AsObject()));
        }, Bound, "both pods Ready after the restart");
        var after = await cluster.PodsAsync(ns, "app=kept");
        foreach (var pod in after)
        {
            var name = Str(pod!["metadata"]!["name"]);
            Assert.True(before.ContainsKey(name), $"pod {name} is new: the old ones were replaced");
            Assert.Equal(0, RestartCount(pod.AsObject()));
            Assert.Equal(before[name].Started, Str(pod["status"]!["containerStatuses"]![0]!["state"]!["running"]!["startedAt"]));
            Assert.Equal(before[name].Ip, Str(pod["status"]!["podIP"]));
        }
    }
}
