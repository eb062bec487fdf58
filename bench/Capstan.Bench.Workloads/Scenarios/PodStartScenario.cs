using System.Globalization;
using Capstan.Bench.Workloads.Cluster;
using Capstan.Bench.Workloads.Measurement;
using Capstan.Bench.Workloads.Processes;
using Capstan.Bench.Workloads.Reporting;
using k8s;
using k8s.Models;

namespace Capstan.Bench.Workloads.Scenarios;

/// <summary>
/// Pod start: a Deployment of N test servers on a fresh server, per-pod create → Running and create → Ready, measured
/// from each pod's ADDED event and from sending the create (t0). Each run uses a fresh namespace; the previous run's
/// pods are gone before the next starts.
/// </summary>
public sealed class PodStartScenario(WorkloadOptions options, TextWriter log)
{
    private const string Name = "pod start";
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public async Task RunAsync(ScenarioReport report, CancellationToken ct)
    {
        List<PodStartRun> runs = [];
        var node = "bench-node";
        var (startupMs, startupCpuMs) = (double.NaN, double.NaN);
        await using (var server = await CapstanProcess.StartServerAsync(options.CapstanPath, Path.Combine(options.WorkDir, "start-server"), node, ct, withAgent: !options.SeparateAgent).ConfigureAwait(false))
        await using (var agent = options.SeparateAgent ? CapstanProcess.StartAgent(options.CapstanPath, server, Path.Combine(options.WorkDir, "start-agent"), node, "127.10.0.0/16") : null)
        {
            (startupMs, startupCpuMs) = (server.StartupMs, server.StartupCpuMs);
            log.WriteLine(string.Create(Inv, $"  server ready after {startupMs:F0} ms, {startupCpuMs:F0} ms of CPU"));
            using var client = ClusterClient.Create(server.KubeconfigPath);
            await using (var nodes = await NodeTracker.StartAsync(client, ct).ConfigureAwait(false))
            {
                if (!await nodes.WaitReadyAsync(node, options.Timeout, ct).ConfigureAwait(false))
                {
                    report.Fail(Name, $"node {node} not Ready within {options.Timeout.TotalSeconds} s");
                    return;
                }
            }

            for (var i = 1; i <= options.Runs; i++)
            {
                var run = await RunOnceAsync(client, server.Process.Pid, agent?.Process.Pid, $"bench-start-{i}", report, ct).ConfigureAwait(false);
                runs.Add(run);
                log.WriteLine(string.Create(Inv,
                    $"  run {i}: {run.PodsReady}/{options.Replicas} Ready, all Ready after {run.AllReady:F0} ms; ADDED→Running p50 {run.AddedToRunning.Median:F0} p99 {run.AddedToRunning.Percentile(99):F0}; ADDED→Ready p50 {run.AddedToReady.Median:F0} p99 {run.AddedToReady.Percentile(99):F0}; create answered after {run.CreateAck:F0} ms"));
                log.WriteLine(string.Create(Inv,
                    $"    breakdown p50/p99/max (ms): t0→ADDED {Triple(run.T0ToAdded)}; ADDED→scheduled {Triple(run.AddedToScheduled)}; scheduled→Running {Triple(run.ScheduledToRunning)}; Running→Ready {Triple(run.RunningToReady)}"));
                log.WriteLine(string.Create(Inv,
                    $"    first pod ADDED at {run.FirstAdded:F0} ms, last at {run.LastAdded:F0} ms; CPU from t0 to all Ready: capstan server {run.ServerCpu:F0} ms{(agent is null ? "" : $", agent {run.AgentCpu:F0} ms")}, whole machine {run.MachineCpu:F0} ms of {2 * run.AllReady:F0} ms on 2 cores"));
                log.WriteLine(string.Create(Inv, $"    {run.EventsPerPod:F1} watch events per pod until Ready; Events: {run.EventReasons}"));
                report.Note(string.Create(Inv,
                    $"pod start run {i}: all Ready {run.AllReady:F0} ms; first/last ADDED {run.FirstAdded:F0}/{run.LastAdded:F0} ms; server CPU {run.ServerCpu:F0} ms{(agent is null ? "" : $", agent CPU {run.AgentCpu:F0} ms")}, machine CPU {run.MachineCpu:F0} ms; t0→ADDED {Triple(run.T0ToAdded)}; ADDED→scheduled {Triple(run.AddedToScheduled)}; scheduled→Running {Triple(run.ScheduledToRunning)}; Running→Ready {Triple(run.RunningToReady)} (p50/p99/max ms)"));
            }
        }

        var n = runs.Count;
        var of = n > 1 ? $", median of {n} runs" : "";
        report.Add(Name, $"{options.Replicas} pods: ADDED → Running p50{of}", Median(runs, r => r.AddedToRunning.Median));
        report.Add(Name, $"{options.Replicas} pods: ADDED → Running p99{of}", Median(runs, r => r.AddedToRunning.Percentile(99)), 100);
        report.Add(Name, $"{options.Replicas} pods: ADDED → Ready p50{of}", Median(runs, r => r.AddedToReady.Median));
        report.Add(Name, $"{options.Replicas} pods: ADDED → Ready p99{of}", Median(runs, r => r.AddedToReady.Percentile(99)));
        report.Add(Name, $"{options.Replicas} pods: t0 → Running p50{of}", Median(runs, r => r.T0ToRunning.Median));
        report.Add(Name, $"{options.Replicas} pods: t0 → Running p99{of}", Median(runs, r => r.T0ToRunning.Percentile(99)));
        report.Add(Name, $"{options.Replicas} pods: t0 → Ready p50{of}", Median(runs, r => r.T0ToReady.Median));
        report.Add(Name, $"{options.Replicas} pods: t0 → Ready p99{of}", Median(runs, r => r.T0ToReady.Percentile(99)));
        report.Add(Name, $"t0 → all {options.Replicas} Ready{of}", Median(runs, r => r.AllReady), 5000);
        report.Add(Name, $"capstan server CPU, t0 → all Ready{of}", Median(runs, r => r.ServerCpu));
        if (options.SeparateAgent)
        {
            report.Add(Name, $"capstan agent CPU, t0 → all Ready{of}", Median(runs, r => r.AgentCpu));
        }
        report.AddText(Name, "  capstan server CPU, each run", string.Join(" / ", runs.Select(r => r.ServerCpu.ToString("F0", Inv))));
        report.Add(Name, "capstan server start → /readyz", startupMs);
        report.Add(Name, "capstan server CPU until /readyz", startupCpuMs);
        report.AddText(Name, "  all Ready, each run", string.Join(" / ", runs.Select(r => r.AllReady.ToString("F0", Inv))));
    }

    private async Task<PodStartRun> RunOnceAsync(Kubernetes client, int serverPid, int? agentPid, string ns, ScenarioReport report, CancellationToken ct)
    {
        var run = new PodStartRun();
        await ClusterClient.CreateNamespaceAsync(client, ns, ct).ConfigureAwait(false);
        await using var pods = await PodTracker.StartAsync(client, ns, ct).ConfigureAwait(false);
        var deployment = TestServerDeployment.Create("start", options.Replicas, options.TestServerPath);

        var cpuBefore = ProcessCpu.Used(serverPid);
        var agentBefore = agentPid is { } ap ? ProcessCpu.Used(ap) : null;
        var machineBefore = ProcessCpu.MachineBusy();
        var t0 = Clock.Now;
        await client.AppsV1.CreateNamespacedDeploymentAsync(deployment, ns, cancellationToken: ct).ConfigureAwait(false);
        run.CreateAck = Clock.Ms(t0, Clock.Now);
        var allReady = await pods.WaitAsync(
            p => p.Count(h => !h.Latest.Terminating && h.First(o => o.Ready) is not null) >= options.Replicas, options.Timeout, ct).ConfigureAwait(false);
        var (cpuAfter, machineAfter) = (ProcessCpu.Used(serverPid), ProcessCpu.MachineBusy());
        run.ServerCpu = (cpuAfter - cpuBefore)?.TotalMilliseconds ?? double.NaN;
        run.MachineCpu = (machineAfter - machineBefore)?.TotalMilliseconds ?? double.NaN;
        run.AgentCpu = agentPid is { } pid ? (ProcessCpu.Used(pid) - agentBefore)?.TotalMilliseconds ?? double.NaN : double.NaN;
        var seen = pods.Snapshot();
        run.EventsPerPod = seen.Count == 0 ? double.NaN : seen.Average(h => h.Observations.Count(o => o.At <= (h.First(x => x.Ready) ?? long.MaxValue)));
        var events = await client.CoreV1.ListNamespacedEventAsync(ns, cancellationToken: ct).ConfigureAwait(false);
        run.EventReasons = string.Join(", ", events.Items.GroupBy(e => $"{e.Source?.Component ?? e.ReportingComponent}/{e.Reason}").OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}"));
        if (!allReady)
        {
            report.Fail(Name, $"{ns}: not all {options.Replicas} pods Ready within {options.Timeout.TotalSeconds} s{(pods.WatchError is { } e ? $" (watch: {e})" : "")}");
        }

        var readyAt = new List<double>();
        foreach (var pod in pods.Snapshot())
        {
            var added = pod.FirstSeen;
            var scheduled = pod.First(o => o.NodeName is not null);
            var running = pod.First(o => o.ContainersRunning);
            var ready = pod.First(o => o.Ready);
            run.T0ToAdded.Add(Clock.Ms(t0, added));
            Add(run.AddedToScheduled, Clock.Ms(added, scheduled));
            Add(run.ScheduledToRunning, Clock.Ms(scheduled, running));
            Add(run.RunningToReady, Clock.Ms(running, ready));
            Add(run.AddedToRunning, Clock.Ms(added, running));
            Add(run.AddedToReady, Clock.Ms(added, ready));
            Add(run.T0ToRunning, Clock.Ms(t0, running));
            Add(run.T0ToReady, Clock.Ms(t0, ready));
            if (ready is { } r)
            {
                readyAt.Add(Clock.Ms(t0, r));
            }
        }

        run.PodsReady = readyAt.Count;
        var addedAt = pods.Snapshot().Select(h => Clock.Ms(t0, h.FirstSeen)).Order().ToList();
        if (addedAt.Count > 0)
        {
            run.FirstAdded = addedAt[0];
            run.LastAdded = addedAt[Math.Min(options.Replicas, addedAt.Count) - 1];
        }

        readyAt.Sort();
        if (readyAt.Count >= options.Replicas)
        {
            run.AllReady = readyAt[options.Replicas - 1];
        }

        // Stop this run's pods before the next run: the machine has two cores and one agent for all of them.
        await client.AppsV1.DeleteNamespacedDeploymentAsync(
            "start", ns, new V1DeleteOptions { PropagationPolicy = "Background" }, cancellationToken: ct).ConfigureAwait(false);
        var gone = await pods.WaitAsync(p => p.Count > 0 && p.All(h => h.IsDeleted), options.Timeout, ct).ConfigureAwait(false);
        if (!gone)
        {
            report.Fail(Name, $"{ns}: pods still there {options.Timeout.TotalSeconds} s after deleting the Deployment");
        }

        return run;
    }

    private static void Add(LatencySamples samples, double? ms)
    {
        if (ms is { } v)
        {
            samples.Add(v);
        }
    }

    private static string Triple(LatencySamples s) =>
        string.Create(Inv, $"{s.Median:F0}/{s.Percentile(99):F0}/{s.Max:F0}");

    private static double? Median(IReadOnlyList<PodStartRun> runs, Func<PodStartRun, double> figure)
    {
        var values = runs.Select(figure).Where(v => !double.IsNaN(v)).Order().ToList();
        return values.Count == 0 ? null : values[(values.Count - 1) / 2];
    }
}
