using System.Globalization;
using System.Net.Sockets;
using Capstan.Agent.Runtime;
using Capstan.Agent.Runtime.Process;
using Capstan.Bench.Workloads.Cluster;
using Capstan.Bench.Workloads.Measurement;
using Capstan.Bench.Workloads.Processes;
using Capstan.Bench.Workloads.Reporting;

namespace Capstan.Bench.Workloads.Scenarios;

/// <summary>
/// The floor under pod start: no API server, scheduler, controllers or agent, only the process runtime itself
/// (<see cref="ProcessRuntime"/>, as the agent calls it: sandbox with its perl pod init, then the container through its
/// perl shim) starting N test servers at once. Per pod: spawn → the runtime reports the container running (what the agent
/// would write as Running) and → its port accepts connections. CPU is that of this process and everything it spawned
/// (a cpuacct group of its own), so it is the physical cost of the pods' processes on this machine.
/// </summary>
public sealed class FloorScenario(WorkloadOptions options, TextWriter log)
{
    private const string Name = "floor";
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public async Task RunAsync(ScenarioReport report, CancellationToken ct)
    {
        using var account = CpuAccount.TryCreate();
        log.WriteLine(account is null
            ? "  no cpuacct group of our own (not root, or no cgroup v1 cpuacct): CPU is the whole machine's"
            : "  CPU: a cpuacct group holding this process and the pods");

        // The last slow-start batch of a ReplicaSet of 100 (1, 2, 4, 8, 16, 32 → 37 left) and all 100 at once.
        foreach (var pods in new[] { 37, options.Replicas }.Distinct())
        {
            List<FloorRun> runs = [];
            for (var i = 1; i <= options.Runs; i++)
            {
                var run = await RunOnceAsync(pods, $"{pods}-{i}", account, ct).ConfigureAwait(false);
                runs.Add(run);
                log.WriteLine(string.Create(Inv,
                    $"  {pods} pods, run {i}: spawn→running p50 {run.Running.Median:F0} p99 {run.Running.Percentile(99):F0}; spawn→serving p50 {run.Serving.Median:F0} p99 {run.Serving.Percentile(99):F0}; all running {run.AllRunning:F0} ms, all serving {run.AllServing:F0} ms; CPU to all running {run.CpuRunning:F0} ms, to all serving {run.CpuServing:F0} ms ({run.CpuServing / pods:F1} ms per pod), machine {run.MachineServing:F0} ms"));
            }

            var of = runs.Count > 1 ? $", median of {runs.Count} runs" : "";
            report.Add(Name, $"{pods} pods at once: spawn → running p50{of}", Median(runs, r => r.Running.Median));
            report.Add(Name, $"{pods} pods at once: spawn → running p99{of}", Median(runs, r => r.Running.Percentile(99)), 100);
            report.Add(Name, $"{pods} pods at once: spawn → serving p99{of}", Median(runs, r => r.Serving.Percentile(99)));
            report.Add(Name, $"{pods} pods at once: CPU until all serving{of}", Median(runs, r => r.CpuServing));
        }
    }

    private async Task<FloorRun> RunOnceAsync(int pods, string tag, CpuAccount? account, CancellationToken ct)
    {
        var root = Path.Combine(options.WorkDir, "floor-" + tag);
        var runtime = new ProcessRuntime(new ProcessRuntimeOptions(Path.Combine(root, "state")) { PodCidr = "127.13.0.0/16" });
        var run = new FloorRun();
        var started = new List<(string Sandbox, string Container)>();
        try
        {
            var cpu0 = account?.UsedMs ?? ProcessCpu.MachineBusy()?.TotalMilliseconds ?? double.NaN;
            var machine0 = ProcessCpu.MachineBusy()?.TotalMilliseconds ?? double.NaN;
            var t0 = Clock.Now;
            var running = new TaskCompletionSource[pods];
            var tasks = Enumerable.Range(0, pods).Select(i =>
            {
                running[i] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                return Task.Run(() => StartPodAsync(runtime, root, i, t0, run, running[i], started, ct), ct);
            }).ToList();
            await Task.WhenAll(running.Select(r => r.Task)).WaitAsync(options.Timeout, ct).ConfigureAwait(false);
            run.AllRunning = Clock.Ms(t0, Clock.Now);
            run.CpuRunning = (account?.UsedMs ?? ProcessCpu.MachineBusy()?.TotalMilliseconds ?? double.NaN) - cpu0;
            await Task.WhenAll(tasks).WaitAsync(options.Timeout, ct).ConfigureAwait(false);
            run.AllServing = Clock.Ms(t0, Clock.Now);
            run.CpuServing = (account?.UsedMs ?? ProcessCpu.MachineBusy()?.TotalMilliseconds ?? double.NaN) - cpu0;
            run.MachineServing = (ProcessCpu.MachineBusy()?.TotalMilliseconds ?? double.NaN) - machine0;
        }
        finally
        {
            List<(string Sandbox, string Container)> all;
            lock (started)
            {
                all = [.. started];
            }

            await Task.WhenAll(all.Select(async p =>
            {
                await runtime.StopContainerAsync(p.Container, TimeSpan.FromSeconds(2), CancellationToken.None).ConfigureAwait(false);
                await runtime.RemoveContainerAsync(p.Container, CancellationToken.None).ConfigureAwait(false);
                await runtime.StopPodSandboxAsync(p.Sandbox, CancellationToken.None).ConfigureAwait(false);
                await runtime.RemovePodSandboxAsync(p.Sandbox, CancellationToken.None).ConfigureAwait(false);
            })).ConfigureAwait(false);
            runtime.Dispose();

            // The runtime's shared propagation mount outlives a pod init that was still exiting when its sandbox went.
            using var umount = System.Diagnostics.Process.Start("sh", ["-c", "mountpoint -q \"$1\" && umount -l \"$1\"; true", "sh", Path.Combine(root, "state", "propagation")]);
            await umount.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        }

        return run;
    }

    private async Task StartPodAsync(ProcessRuntime runtime, string root, int i, long t0, FloorRun run, TaskCompletionSource running, List<(string, string)> started, CancellationToken ct)
    {
        var name = $"floor-{i}";
        try
        {
            var sandbox = await runtime.RunPodSandboxAsync(
                new PodSandboxConfig("bench", name, Guid.NewGuid().ToString(), 0, name, Path.Combine(root, "logs", name), new Dictionary<string, string> { ["app"] = "floor" }),
                ct).ConfigureAwait(false);
            var config = new ContainerConfig(
                "testserver", 0, "capstan-testserver", [options.TestServerPath, "serve", "--port", TestServerDeployment.Port.ToString(Inv)], [], null, [], ContainerResources.None,
                Path.Combine(root, "logs", name, "testserver", "0.log"), false, false, false, new Dictionary<string, string> { ["container"] = "testserver" });
            var id = await runtime.CreateContainerAsync(sandbox.Id, config, ct).ConfigureAwait(false);
            lock (started)
            {
                started.Add((sandbox.Id, id));
            }

            await runtime.StartContainerAsync(id, ct).ConfigureAwait(false);
            lock (run)
            {
                run.Running.Add(Clock.Ms(t0, Clock.Now));
            }

            running.TrySetResult();
            while (!ct.IsCancellationRequested)
            {
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    await socket.ConnectAsync(System.Net.IPAddress.Parse(sandbox.Ip), TestServerDeployment.Port, ct).ConfigureAwait(false);
                    break;
                }
                catch (SocketException)
                {
                    await Task.Delay(5, ct).ConfigureAwait(false);
                }
            }

            lock (run)
            {
                run.Serving.Add(Clock.Ms(t0, Clock.Now));
            }
        }
        catch (Exception ex)
        {
            running.TrySetException(ex);
            throw;
        }
    }

    private static double? Median(IReadOnlyList<FloorRun> runs, Func<FloorRun, double> figure)
    {
        var values = runs.Select(figure).Where(v => !double.IsNaN(v)).Order().ToList();
        return values.Count == 0 ? null : values[(values.Count - 1) / 2];
    }

    private sealed class FloorRun
    {
        public LatencySamples Running { get; } = new();

        public LatencySamples Serving { get; } = new();

        public double AllRunning { get; set; } = double.NaN;

        public double AllServing { get; set; } = double.NaN;

        public double CpuRunning { get; set; } = double.NaN;

        public double CpuServing { get; set; } = double.NaN;

        public double MachineServing { get; set; } = double.NaN;
    }
}
