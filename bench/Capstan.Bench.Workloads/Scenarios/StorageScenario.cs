using System.Globalization;
using Capstan.Bench.Workloads.Cluster;
using Capstan.Bench.Workloads.Measurement;
using Capstan.Bench.Workloads.Processes;
using Capstan.Bench.Workloads.Reporting;
using k8s;
using k8s.Models;

namespace Capstan.Bench.Workloads.Scenarios;

/// <summary>
/// Storage (issue 7): a PersistentVolumeClaim of the default local-path class (WaitForFirstConsumer) and a pod using it
/// are sent together, as `kubectl apply` of one file does; the figure is t0 → the pod Running, which covers scheduling,
/// the selected-node annotation, the agent's provisioning (directory and PV), binding and the mount. Then a StatefulSet
/// of 10 test servers with a volumeClaimTemplate, OrderedReady and Parallel: t0 → all 10 Ready.
/// </summary>
public sealed class StorageScenario(WorkloadOptions options, TextWriter log)
{
    private const string Name = "storage";
    private const int SetReplicas = 10;
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public async Task RunAsync(ScenarioReport report, CancellationToken ct)
    {
        await using var server = await CapstanProcess.StartServerAsync(options.CapstanPath, Path.Combine(options.WorkDir, "storage-server"), "bench-node", ct).ConfigureAwait(false);
        using var client = ClusterClient.Create(server.KubeconfigPath);

        var claimToRunning = new LatencySamples();
        for (var run = 1; run <= options.Runs; run++)
        {
            var ns = $"bench-pvc-{run}";
            await ClusterClient.CreateNamespaceAsync(client, ns, ct).ConfigureAwait(false);
            await using var pods = await PodTracker.StartAsync(client, ns, ct).ConfigureAwait(false);
            var t0 = Clock.Now;
            await client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(Claim("data"), ns, cancellationToken: ct).ConfigureAwait(false);
            await client.CoreV1.CreateNamespacedPodAsync(PodUsing("user", "data"), ns, cancellationToken: ct).ConfigureAwait(false);
            if (!await pods.WaitAsync(p => p.Any(h => h.Latest.ContainersRunning), options.Timeout, ct).ConfigureAwait(false))
            {
                report.Fail(Name, $"run {run}: the pod on a new claim was not Running within {options.Timeout.TotalSeconds} s");
                return;
            }

            var running = Clock.Ms(t0, pods.Snapshot().Single().First(o => o.ContainersRunning)!.Value);
            log.WriteLine(string.Create(Inv, $"  run {run}: claim + pod created → pod Running {running:F0} ms"));
            claimToRunning.Add(running);
        }

        report.Add(Name, $"claim (local-path, WaitForFirstConsumer) + pod created → pod Running, median of {claimToRunning.Count}", claimToRunning.Median, limit: 1000);

        foreach (var policy in new[] { "OrderedReady", "Parallel" })
        {
            var ns = "bench-sts-" + policy.ToLowerInvariant();
            await ClusterClient.CreateNamespaceAsync(client, ns, ct).ConfigureAwait(false);
            await using var pods = await PodTracker.StartAsync(client, ns, ct).ConfigureAwait(false);
            var t0 = Clock.Now;
            await client.AppsV1.CreateNamespacedStatefulSetAsync(StatefulSet("db", policy), ns, cancellationToken: ct).ConfigureAwait(false);
            if (!await pods.WaitAsync(p => p.Count(h => h.Latest is { Ready: true, Terminating: false }) >= SetReplicas, options.Timeout, ct).ConfigureAwait(false))
            {
                report.Fail(Name, $"StatefulSet ({policy}) not all {SetReplicas} Ready within {options.Timeout.TotalSeconds} s");
                continue;
            }

            var all = pods.Snapshot().Select(h => h.First(o => o.Ready)!.Value).Max();
            log.WriteLine(string.Create(Inv, $"  StatefulSet {policy}: all {SetReplicas} Ready {Clock.Ms(t0, all):F0} ms"));
            report.Add(Name, $"StatefulSet of {SetReplicas} with a claim each ({policy}): created → all Ready", Clock.Ms(t0, all));
        }
    }

    private static V1PersistentVolumeClaim Claim(string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1PersistentVolumeClaimSpec
        {
            AccessModes = ["ReadWriteOnce"],
            Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new("64Mi") } },
        },
    };

    private V1Container TestServer(bool probe) => new()
    {
        Name = "testserver",
        Image = "capstan-testserver",
        Command = [options.TestServerPath, "serve", "--port", TestServerDeployment.Port.ToString(Inv)],
        Env = [new V1EnvVar { Name = "POD_IP", ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = "status.podIP" } } }],
        VolumeMounts = [new V1VolumeMount { Name = "data", MountPath = "/data" }],
        ReadinessProbe = probe ? new V1Probe { HttpGet = new V1HTTPGetAction { Path = "/readyz", Port = TestServerDeployment.Port }, PeriodSeconds = 1 } : null,
    };

    private V1Pod PodUsing(string name, string claim) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1PodSpec
        {
            TerminationGracePeriodSeconds = 1,
            Containers = [TestServer(probe: false)],
            Volumes = [new V1Volume { Name = "data", PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = claim } }],
        },
    };

    private V1StatefulSet StatefulSet(string name, string policy)
    {
        var labels = new Dictionary<string, string> { ["app"] = name };
        return new V1StatefulSet
        {
            Metadata = new V1ObjectMeta { Name = name },
            Spec = new V1StatefulSetSpec
            {
                Replicas = SetReplicas,
                ServiceName = name,
                PodManagementPolicy = policy,
                Selector = new V1LabelSelector { MatchLabels = labels },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = labels },
                    Spec = new V1PodSpec { TerminationGracePeriodSeconds = 1, Containers = [TestServer(probe: true)] },
                },
                VolumeClaimTemplates = [Claim("data")],
            },
        };
    }
}
