using System.Globalization;
using Capstan.Bench.Workloads.Cluster;
using Capstan.Bench.Workloads.Measurement;
using Capstan.Bench.Workloads.Processes;
using Capstan.Bench.Workloads.Reporting;
using k8s;

namespace Capstan.Bench.Workloads.Scenarios;

/// <summary>
/// Crash to running again: a container exits with code 1 (`POST /exit?code=1` to its pod IP) and the agent restarts
/// it. Kubernetes restarts a container's first crash at once and backs off from the second (10 s, doubling), and the
/// back-off resets only after 10 min of running; so each measured crash is the first of its own pod (a Deployment of
/// as many pods as crashes), and one second crash of a pod shows the back-off.
/// </summary>
public sealed class CrashRestartScenario(WorkloadOptions options, TextWriter log)
{
    private const string Name = "crash";
    private const string Ns = "bench-crash";
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public async Task RunAsync(ScenarioReport report, CancellationToken ct)
    {
        await using var server = await CapstanProcess.StartServerAsync(options.CapstanPath, Path.Combine(options.WorkDir, "crash-server"), "bench-node", ct).ConfigureAwait(false);
        using var client = ClusterClient.Create(server.KubeconfigPath);
        await ClusterClient.CreateNamespaceAsync(client, Ns, ct).ConfigureAwait(false);
        await using var pods = await PodTracker.StartAsync(client, Ns, ct).ConfigureAwait(false);
        await client.AppsV1.CreateNamespacedDeploymentAsync(TestServerDeployment.Create("crash", options.Crashes, options.TestServerPath), Ns, cancellationToken: ct).ConfigureAwait(false);
        if (!await pods.WaitAsync(p => p.Count(h => h.Latest is { Ready: true, Terminating: false }) >= options.Crashes, options.Timeout, ct).ConfigureAwait(false))
        {
            report.Fail(Name, $"{options.Crashes} pods not Ready within {options.Timeout.TotalSeconds} s");
            return;
        }

        var targets = pods.Snapshot().Where(h => h.Latest is { Ready: true, Terminating: false }).OrderBy(h => h.Name, StringComparer.Ordinal).Take(options.Crashes).ToList();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        LatencySamples noticed = new(), running = new(), ready = new();
        for (var i = 0; i < targets.Count; i++)
        {
            var crash = await CrashAsync(pods, http, targets[i].Uid, report, ct).ConfigureAwait(false);
            if (crash is null)
            {
                return;
            }

            log.WriteLine(string.Create(Inv, $"  crash {i + 1} ({targets[i].Name}): status shows it {crash.Value.Noticed:F0} ms, running again {crash.Value.Running:F0} ms, Ready again {crash.Value.Ready:F0} ms"));
            noticed.Add(crash.Value.Noticed);
            running.Add(crash.Value.Running);
            ready.Add(crash.Value.Ready);
            await Task.Delay(TimeSpan.FromSeconds(1), ct).ConfigureAwait(false);
        }

        var of = $"median of {running.Count} (max)";
        report.AddText(Name, $"first crash → status shows the exit, {of}", string.Create(Inv, $"{noticed.Median:F0} ({noticed.Max:F0})"));
        report.AddText(Name, $"first crash → container running again, restartCount+1, {of}", string.Create(Inv, $"{running.Median:F0} ({running.Max:F0})"));
        report.AddText(Name, $"first crash → Ready again, {of}", string.Create(Inv, $"{ready.Median:F0} ({ready.Max:F0})"));

        // The same pod again: the restart now waits for the back-off.
        var second = await CrashAsync(pods, http, targets[0].Uid, report, ct).ConfigureAwait(false);
        if (second is { } s)
        {
            log.WriteLine(string.Create(Inv, $"  second crash of {targets[0].Name}: running again {s.Running:F0} ms, Ready again {s.Ready:F0} ms"));
            report.Add(Name, "second crash of a pod → running again (back-off)", s.Running, target: "10 s back-off (Kubernetes)");
            report.Add(Name, "second crash of a pod → Ready again", s.Ready);
        }
    }

    private async Task<(double Noticed, double Running, double Ready)?> CrashAsync(PodTracker pods, HttpClient http, string uid, ScenarioReport report, CancellationToken ct)
    {
        var before = pods.Snapshot().Single(h => h.Uid == uid);
        var restarts = before.Latest.RestartCount;
        var ip = before.Latest.PodIp;
        var t0 = Clock.Now;
        try
        {
            using var response = await http.PostAsync(new Uri($"http://{ip}:{TestServerDeployment.Port}/exit?code=1"), null, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            // The process may exit before it answers.
        }

        var done = await pods.WaitAsync(
            p => p.Single(h => h.Uid == uid).First(o => o.RestartCount > restarts && o.Ready, t0) is not null, options.Timeout, ct).ConfigureAwait(false);
        if (!done)
        {
            report.Fail(Name, $"{before.Name} not running and Ready again within {options.Timeout.TotalSeconds} s after POST /exit");
            return null;
        }

        var after = pods.Snapshot().Single(h => h.Uid == uid);
        var noticed = after.First(o => o.RestartCount > restarts || !o.Ready || !o.ContainersRunning, t0);
        var running = after.First(o => o.RestartCount > restarts && o.ContainersRunning, t0);
        var ready = after.First(o => o.RestartCount > restarts && o.Ready, t0);
        return (Clock.Ms(t0, noticed!.Value), Clock.Ms(t0, running!.Value), Clock.Ms(t0, ready!.Value));
    }
}
