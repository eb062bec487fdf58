using System.CommandLine;
using System.Globalization;
using Capstan.Bench.Scheduler;
using k8s.Models;

if (args is [EchoApiServer.Flag, var echoPort])
{
    await EchoApiServer.ServeAsync(int.Parse(echoPort, CultureInfo.InvariantCulture));
    return 0;
}

var capstan = new Option<string?>("--capstan") { Description = "capstan apphost or capstan.dll (default: src/Capstan/bin/Release/net10.0/capstan of this checkout)" };
var podCount = new Option<int>("--pods") { Description = "pods per throughput run", DefaultValueFactory = _ => 10000 };
var nodeCounts = new Option<string>("--nodes") { Description = "simulated node counts of the plain runs, comma-separated", DefaultValueFactory = _ => "1000,5000" };
var constrainedNodes = new Option<int>("--constrained-nodes") { Description = "simulated nodes of the anti-affinity and spread runs", DefaultValueFactory = _ => 5000 };
var packPods = new Option<int>("--pack-pods") { Description = "pods of the packing run", DefaultValueFactory = _ => 5000 };
var concurrency = new Option<int>("--concurrency") { Description = "concurrent pod creations", DefaultValueFactory = _ => 64 };
var timeout = new Option<double>("--timeout") { Description = "seconds each run may take", DefaultValueFactory = _ => 300 };
var only = new Option<string[]>("--only") { Description = "runs: decide (in-process decisions only), plain, split (plain with the simulated nodes in their own agent process), create (no scheduler: the API floor), transport (creates against an HTTPS echo server: the floor of the creates alone), anti, spread, split-anti and split-spread (those two with the simulated nodes in an agent process), pack (default: all but create and transport)", AllowMultipleArgumentsPerToken = true };
var warmUpPods = new Option<int>("--warm-up-pods") { Description = "pods created, bound and deleted before each timed run (not the packing run), as kube-scheduler's scheduler_perf creates init pods first: the server's code is then JIT-compiled and tiered up as in a server that has been running", DefaultValueFactory = _ => 2000 };
var workDir = new Option<string?>("--work-dir") { Description = "data dirs and server logs (default: a new folder under /tmp)" };

var root = new RootCommand("Scheduler benchmark: pods/s from creation to stored binding on simulated nodes, latency, packing, server RSS.")
{
    capstan, podCount, nodeCounts, constrainedNodes, packPods, concurrency, timeout, only, workDir, warmUpPods,
};
root.SetAction(async (parse, ct) =>
{
    var checkout = Checkout();
    var capstanPath = parse.GetValue(capstan) ?? (checkout is null ? null : Path.Combine(checkout, "src", "Capstan", "bin", "Release", "net10.0", "capstan"));
    if (capstanPath is null || !File.Exists(capstanPath))
    {
        Console.Error.WriteLine($"capstan not found ({capstanPath}); build it with `dotnet build src/Capstan -c Release` or pass --capstan");
        return 2;
    }

    var runs = (parse.GetValue(only) ?? []).SelectMany(s => s.Split(',', StringSplitOptions.RemoveEmptyEntries)).ToHashSet(StringComparer.OrdinalIgnoreCase);
    if (runs.Count == 0)
    {
        runs = ["decide", "plain", "split", "anti", "spread", "split-anti", "split-spread", "pack"];
    }

    var work = parse.GetValue(workDir) ?? Path.Combine(Path.GetTempPath(), "capstan-bench-scheduler-" + Guid.NewGuid().ToString("N")[..8]);
    Directory.CreateDirectory(work);
    var pods = parse.GetValue(podCount);
    var limit = TimeSpan.FromSeconds(parse.GetValue(timeout));
    var parallel = parse.GetValue(concurrency);
    var warmUpPodCount = parse.GetValue(warmUpPods);
    Console.WriteLine($"capstan: {capstanPath}; {Environment.ProcessorCount} CPUs; work dir {work}; {warmUpPodCount} warm-up pods before each timed run but packing");
    Console.WriteLine($"{"run",-34} {"nodes",6} {"pods",6} {"bound",6} {"pods/s",8} {"p50 ms",8} {"p99 ms",8}  notes");

    if (runs.Contains("decide"))
    {
        var groups = Math.Max(1, (pods + parse.GetValue(constrainedNodes) - 1) / parse.GetValue(constrainedNodes)) * 10;
        foreach (var (name, nodes, zones, workload) in new (string, int, int, IReadOnlyList<V1Pod>)[]
        {
            ("decisions only: plain", 1000, 0, Workloads.Plain(pods)),
            ("decisions only: plain", 5000, 0, Workloads.Plain(pods)),
            ("decisions only: zone spread", parse.GetValue(constrainedNodes), 10, Workloads.Spread(pods)),
            ("decisions only: anti-affinity", parse.GetValue(constrainedNodes), 0, Workloads.AntiAffinity(pods, groups)),
        })
        {
            var (rate, p50, p99, placed, _) = DecisionBenchmark.Run(workload, nodes, zones, new Capstan.Scheduler.Configuration.SchedulerProfile());
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-34} {nodes,6} {workload.Count,6} {placed,6} {rate,8:F0} {p50 / 1000,8:F3} {p99 / 1000,8:F3}  in-process, no API server"));
        }

        // Packing quality does not depend on the API server: decide the packing workload with MostAllocated, every node searched.
        var (packPodsList, lowerBound) = Workloads.Packing(parse.GetValue(packPods), seed: 42, nodeCpuMillis: 16000, nodeMemory: 64L << 30);
        foreach (var percentage in new[] { 100, 0 })
        {
            var profile = new Capstan.Scheduler.Configuration.SchedulerProfile
            {
                ScoringStrategy = new Capstan.Scheduler.Framework.ScoringStrategy(Capstan.Scheduler.Framework.ScoringStrategy.MostAllocated, Capstan.Scheduler.Framework.ScoringStrategy.DefaultResources, []),
                PercentageOfNodesToScore = percentage,
            };
            var (rate, p50, p99, placed, used) = DecisionBenchmark.Run(packPodsList, 1000, 0, profile, "16", "64Gi");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{"decisions only: MostAllocated pack",-34} {1000,6} {packPodsList.Count,6} {placed,6} {rate,8:F0} {p50 / 1000,8:F3} {p99 / 1000,8:F3}  nodes used {used}, lower bound {lowerBound}, ratio {(double)used / lowerBound:F3} (percentageOfNodesToScore {(percentage == 0 ? "adaptive" : "100")})"));
        }
    }

    var failed = false;
    async Task RunAsync(string name, int nodes, IReadOnlyList<string> serverArgs, IReadOnlyList<V1Pod> workload, Func<WorkloadResult, ServerProcess, string> notes, bool createOnly = false, bool nodesInAgent = false, bool warmUp = true, bool atRest = false)
    {
        try
        {
            await using var server = await ServerProcess.StartAsync(capstanPath, work, name.Replace(' ', '-') + "-" + nodes, serverArgs, nodes, ct, nodesInAgent);
            Console.Error.WriteLine($"server pid {server.ProcessId} ready: {name} on {nodes} nodes");
            var warmUpCount = warmUp ? Math.Min(warmUpPodCount, workload.Count) : 0;
            if (warmUpCount > 0)
            {
                var warm = await PodWorkload.RunAsync(server.Client, Workloads.WarmUp(workload, warmUpCount), parallel, limit, ct, createOnly, PodWorkload.WarmUpNamespace);
                await PodWorkload.DeleteAllAsync(server.Client, PodWorkload.WarmUpNamespace, limit, ct);
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  warmed up: {warm.Bound} pods at {warm.PodsPerSecond:F0} pods/s, then deleted"));
            }
            // What the idle cluster costs (lease renewals and what they trigger), so the per-pod figure can leave it out.
            var idleStart = server.CpuSeconds();
            await Task.Delay(TimeSpan.FromSeconds(10), ct);
            var idlePerSecond = (server.CpuSeconds() - idleStart) / 10;
            var cpuBefore = server.CpuSeconds();
            var benchBefore = BenchCpuSeconds();
            var metricsBefore = await server.MetricsAsync(ct);
            var result = await PodWorkload.RunAsync(server.Client, workload, parallel, limit, ct, createOnly);
            var cpuTotal = server.CpuSeconds() - cpuBefore;
            var metricsAfter = await server.MetricsAsync(ct);
            double Delta(string sample) => metricsAfter.GetValueOrDefault(sample) - metricsBefore.GetValueOrDefault(sample);
            var benchPerPod = (BenchCpuSeconds() - benchBefore) * 1000 / Math.Max(1, result.Bound);

            // RSS right after the burst, and once the server has been quiet for a while (what a cluster at rest holds).
            var rssAfter = server.RssMiB();
            await Task.Delay(TimeSpan.FromSeconds(30), ct);
            var rssSettled = server.RssMiB();
            var rest = "";
            if (atRest)
            {
                // The 30-s reading falls anywhere on the saw-tooth that lease churn and the heap trimmer draw at rest
                // (±25 MiB); samples every 2 s up to 120 s after the burst show the level and the swing.
                var samples = new List<double> { rssSettled };
                const int RestSamples = 45;
                for (var i = 0; i < RestSamples; i++)
                {
                    await Task.Delay(TimeSpan.FromSeconds(2), ct);
                    samples.Add(server.RssMiB());
                }

                rest = string.Create(CultureInfo.InvariantCulture, $"; at rest 30-120 s later: mean {samples.Average():F0}, min {samples.Min():F0}, max {samples.Max():F0} MiB");
            }

            var cpuPerPod = cpuTotal * 1000 / Math.Max(1, result.Bound);
            var netPerPod = (cpuTotal - idlePerSecond * result.Elapsed.TotalSeconds) * 1000 / Math.Max(1, result.Bound);
            failed |= result.Bound < workload.Count;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name,-34} {nodes,6} {workload.Count,6} {result.Bound,6} {result.PodsPerSecond,8:F0} {result.Percentile(0.5),8:F1} {result.Percentile(0.99),8:F1}  server CPU {cpuPerPod:F2} ms/pod ({netPerPod:F2} above idle {idlePerSecond * 100:F0}% of a core), bench client {benchPerPod:F2} ms/pod; server allocated {Delta("dotnet_gc_allocated_bytes_total") / 1024 / Math.Max(1, result.Bound):F0} KB/pod, paused for GC {Delta("dotnet_gc_pause_seconds_total") * 100 / result.Elapsed.TotalSeconds:F0}% of the run ({Delta("dotnet_gc_collections_total{generation=\"gen0\"}"):F0}/{Delta("dotnet_gc_collections_total{generation=\"gen1\"}"):F0}/{Delta("dotnet_gc_collections_total{generation=\"gen2\"}"):F0} gen0/1/2 collections); server RSS {rssAfter:F0} MiB after the last binding, {rssSettled:F0} MiB 30 s later{rest}; {notes(result, server)}"));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            failed = true;
            Console.WriteLine($"{name,-34} {nodes,6} failed: {ex.Message}");
        }
    }

    if (runs.Contains("plain"))
    {
        foreach (var nodes in parse.GetValue(nodeCounts)!.Split(',').Select(n => int.Parse(n, CultureInfo.InvariantCulture)))
        {
            await RunAsync("plain (10m cpu, 16Mi)", nodes, [], Workloads.Plain(pods), (_, _) => "target 5,000 pods/s at 5,000 nodes; RSS <= 300 MiB");
        }
    }

    if (runs.Contains("split"))
    {
        // The KWOK arrangement: the simulated nodes in a `capstan agent --fake-nodes` process of their own, so that the
        // server's RSS is the control plane's alone; the agent's is reported beside it.
        var nodes = parse.GetValue(nodeCounts)!.Split(',').Select(n => int.Parse(n, CultureInfo.InvariantCulture)).Max();
        await RunAsync("plain, nodes in an agent process", nodes, [], Workloads.Plain(pods),
            (_, server) => string.Create(CultureInfo.InvariantCulture, $"simulated-node agent RSS {ServerProcess.RssMiBOf(server.Agent!.Id):F0} MiB, CPU {ServerProcess.CpuSecondsOf(server.Agent.Id):F0} s in all; RSS target <= 300 MiB"),
            nodesInAgent: true, atRest: true);
    }

    if (runs.Contains("create"))
    {
        // The API server's floor: the same creates (and their watch) with no scheduler, so nothing is bound, patched or recorded.
        foreach (var nodes in parse.GetValue(nodeCounts)!.Split(',').Select(n => int.Parse(n, CultureInfo.InvariantCulture)))
        {
            await RunAsync("create only (--disable-scheduler)", nodes, ["--disable-scheduler"], Workloads.Plain(pods), (_, server) => "pods/s of acknowledged creates; latency create-sent to create-acknowledged", createOnly: true);
        }
    }

    if (runs.Contains("transport"))
    {
        // The floor under every end-to-end run: the same creates with the same client, answered by a server that only echoes.
        var (echo, client) = await EchoApiServer.StartAsync(ct);
        try
        {
            var echoBefore = ServerProcess.CpuSecondsOf(echo.Id);
            var benchBefore = BenchCpuSeconds();
            var result = await PodWorkload.RunAsync(client, Workloads.Plain(pods), parallel, limit, ct, createOnly: true);
            var echoPerPod = (ServerProcess.CpuSecondsOf(echo.Id) - echoBefore) * 1000 / Math.Max(1, result.Bound);
            var benchPerPod = (BenchCpuSeconds() - benchBefore) * 1000 / Math.Max(1, result.Bound);
            failed |= result.Bound < pods;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{"creates against an HTTPS echo",-34} {0,6} {pods,6} {result.Bound,6} {result.PodsPerSecond,8:F0} {result.Percentile(0.5),8:F1} {result.Percentile(0.99),8:F1}  echo server CPU {echoPerPod:F2} ms/create, bench client {benchPerPod:F2} ms/create: {Environment.ProcessorCount} cores allow at most {Environment.ProcessorCount * 1000 / (echoPerPod + benchPerPod):F0} creates/s"));
        }
        finally
        {
            client.Dispose();
            echo.Kill();
            await echo.WaitForExitAsync(CancellationToken.None);
            echo.Dispose();
        }
    }

    // The constrained runs, each also with the simulated nodes in an agent process (as the split run): then the server
    // does the control plane's work alone, as it would beside real nodes.
    var constrained = parse.GetValue(constrainedNodes);
    foreach (var inAgent in new[] { false, true })
    {
        var suffix = inAgent ? ", nodes in an agent" : "";
        if (runs.Contains(inAgent ? "split-anti" : "anti"))
        {
            var groups = Math.Max(1, (pods + constrained - 1) / constrained) * 10;
            await RunAsync($"required anti-affinity ({groups} groups){suffix}", constrained, [], Workloads.AntiAffinity(pods, groups),
                (r, _) => $"violations {Workloads.AntiAffinityViolations(r, groups)} (target 1,000 pods/s)", nodesInAgent: inAgent);
        }

        if (runs.Contains(inAgent ? "split-spread" : "spread"))
        {
            await RunAsync($"zone spread (maxSkew 1, 10 zones){suffix}", constrained, ["--fake-node-zones", "10"], Workloads.Spread(pods),
                (r, _) => $"max skew {Workloads.ZoneSkew(r, 10)} (target 1,000 pods/s)", nodesInAgent: inAgent);
        }
    }

    if (runs.Contains("pack"))
    {
        var config = Path.Combine(work, "most-allocated.yaml");
        File.WriteAllText(config, Workloads.MostAllocatedConfig);
        var (packing, bound) = Workloads.Packing(parse.GetValue(packPods), seed: 42, nodeCpuMillis: 16000, nodeMemory: 64L << 30);
        await RunAsync("packing, MostAllocated", 1000, ["--scheduler-config", config, "--fake-node-capacity", "cpu=16,memory=64Gi,pods=110"], packing,
            (r, _) =>
            {
                var used = r.NodeOf.Values.Distinct().Count();
                return string.Create(CultureInfo.InvariantCulture, $"nodes used {used}, lower bound {bound}, ratio {(double)used / bound:F3} (target <= 1.05)");
            },
            warmUp: false); // warm-up pods would take node space and change the packing being measured
    }

    Console.WriteLine($"server logs under {work}");
    return failed ? 1 : 0;
});

return await root.Parse(args).InvokeAsync();

static double BenchCpuSeconds() => System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;

static string? Checkout()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "Capstan.slnx")))
        {
            return dir.FullName;
        }
    }

    return null;
}
