using System.Diagnostics;
using k8s;
using k8s.Models;

namespace Capstan.Bench.Rollout;

/// <summary>The two measurements: a rolling update under client load, and a failing version's automatic rollback.</summary>
public sealed class RolloutScenarios(IKubernetes client, string testServer, int replicas, TimeSpan bound, TextWriter log)
{
    private const string Ns = "bench";
    private const string Name = "web";

    public async Task DeployAsync(CancellationToken ct)
    {
        await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = Ns } }, cancellationToken: ct);
        await client.CoreV1.CreateNamespacedServiceAsync(new V1Service
        {
            Metadata = new V1ObjectMeta { Name = Name },
            Spec = new V1ServiceSpec
            {
                Selector = new Dictionary<string, string> { ["app"] = Name },
                Ports = [new V1ServicePort { Name = "http", Port = 80, TargetPort = 8080 }],
            },
        }, Ns, cancellationToken: ct);
        await client.AppsV1.CreateNamespacedDeploymentAsync(new V1Deployment
        {
            Metadata = new V1ObjectMeta
            {
                Name = Name,
                Annotations = new Dictionary<string, string> { ["capstan.io/rollback-on-failure"] = "true", ["capstan.io/rollback-max-restarts"] = "1" },
            },
            Spec = new V1DeploymentSpec
            {
                Replicas = replicas,
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = Name } },
                Strategy = new V1DeploymentStrategy
                {
                    Type = "RollingUpdate",
                    RollingUpdate = new V1RollingUpdateDeployment { MaxSurge = "25%", MaxUnavailable = 0 },
                },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = Name } },
                    Spec = new V1PodSpec
                    {
                        TerminationGracePeriodSeconds = 10,
                        Containers =
                        [
                            new V1Container
                            {
                                Name = "web",
                                Image = "capstan/testserver",
                                Command = [testServer, "serve", "--port", "8080", "--term-delay", "2"],
                                Env = [new V1EnvVar { Name = "POD_IP", ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = "status.podIP" } } }],
                                ReadinessProbe = new V1Probe { HttpGet = new V1HTTPGetAction { Path = "/readyz", Port = 8080 }, PeriodSeconds = 1, FailureThreshold = 1 },
                            },
                        ],
                    },
                },
            },
        }, Ns, cancellationToken: ct);
        var started = Stopwatch.GetTimestamp();
        await WaitAsync(async () => RolledOut(await ReadAsync(ct)), "the first version to be available", ct);
        log.WriteLine($"  {replicas} replicas available after {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s");
    }

    /// <summary>A template change rolled out under the client loop: seconds to complete, requests answered and failed.</summary>
    public async Task<(double Seconds, long Ok, long Failed, IReadOnlyList<string> Samples)> RollingUpdateAsync(int concurrency, CancellationToken ct)
    {
        var service = await client.CoreV1.ReadNamespacedServiceAsync(Name, Ns, cancellationToken: ct);
        var url = $"http://{service.Spec.ClusterIP}/hostname";
        await WaitAsync(async () =>
        {
            try
            {
                using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
                return (await http.GetAsync(url, ct)).IsSuccessStatusCode;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                return false;
            }
        }, "the Service to answer", ct);

        var loop = new ClientLoop();
        using var stop = new CancellationTokenSource();
        var running = loop.RunAsync(url, concurrency, stop.Token);
        await Task.Delay(1000, ct);
        var before = (loop.Ok, loop.Failed);
        var started = Stopwatch.GetTimestamp();
        await PatchTemplateEnvAsync("VERSION", "2", ct);
        await WaitAsync(async () => RolledOut(await ReadAsync(ct), generationAtLeast: 2), "the rollout to complete", ct);
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        await Task.Delay(1000, ct);
        stop.Cancel();
        await running;
        return (seconds, loop.Ok - before.Ok, loop.Failed - before.Failed, loop.FailureSamples);
    }

    /// <summary>A crashing version: seconds from the first crash of a new pod to the rollback being complete.</summary>
    public async Task<(double Seconds, double TotalSeconds)> AutomaticRollbackAsync(CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        var patch = """{"spec":{"template":{"spec":{"containers":[{"name":"web","command":[""" + $"\"{testServer}\"" + ""","serve","--port","8080","--no-such-flag"]}]}}}}""";
        await client.AppsV1.PatchNamespacedDeploymentAsync(new V1Patch(patch, V1Patch.PatchType.StrategicMergePatch), Name, Ns, cancellationToken: ct);
        long? firstCrash = null;
        await WaitAsync(async () =>
        {
            if (firstCrash is null)
            {
                var pods = await client.CoreV1.ListNamespacedPodAsync(Ns, labelSelector: "app=" + Name, cancellationToken: ct);
                if (pods.Items.Any(p => p.Status?.ContainerStatuses?.Any(c => c.RestartCount > 0 || c.State?.Terminated is not null || c.LastState?.Terminated is not null) == true))
                {
                    firstCrash = Stopwatch.GetTimestamp();
                }

                return false;
            }

            var d = await ReadAsync(ct);
            var rolledBack = d.Status?.Conditions?.Any(c => c.Type == "RolledBack" && c.Status == "True") == true;
            var command = d.Spec.Template.Spec.Containers[0].Command ?? [];
            return rolledBack && !command.Contains("--no-such-flag") && RolledOut(d);
        }, "the automatic rollback to complete", ct, pollMs: 100);
        var done = Stopwatch.GetTimestamp();
        return (Stopwatch.GetElapsedTime(firstCrash!.Value, done).TotalSeconds, Stopwatch.GetElapsedTime(started, done).TotalSeconds);
    }

    private async Task PatchTemplateEnvAsync(string name, string value, CancellationToken ct)
    {
        var patch = """{"spec":{"template":{"spec":{"containers":[{"name":"web","env":[{"name":""" + $"\"{name}\",\"value\":\"{value}\"" + """}]}]}}}}""";
        await client.AppsV1.PatchNamespacedDeploymentAsync(new V1Patch(patch, V1Patch.PatchType.StrategicMergePatch), Name, Ns, cancellationToken: ct);
    }

    private Task<V1Deployment> ReadAsync(CancellationToken ct) => client.AppsV1.ReadNamespacedDeploymentAsync(Name, Ns, cancellationToken: ct);

    // Complete as `kubectl rollout status` sees it, plus no old pod left: every replica updated and available.
    private bool RolledOut(V1Deployment d, long generationAtLeast = 1) =>
        (d.Status?.ObservedGeneration ?? 0) >= Math.Max(generationAtLeast, d.Metadata.Generation ?? 0)
        && d.Status?.UpdatedReplicas == replicas && d.Status?.AvailableReplicas == replicas && d.Status?.Replicas == replicas;

    private async Task WaitAsync(Func<Task<bool>> condition, string what, CancellationToken ct, int pollMs = 250)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(bound.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(pollMs, ct);
        }

        throw new TimeoutException($"timed out after {bound.TotalSeconds} s waiting for {what}");
    }
}
