using Capstan.Bench.Api.Measurement;
using Capstan.Bench.Api.Processes;
using Capstan.Bench.Api.Targets;

namespace Capstan.Bench.Api.Scenarios;

/// <summary>
/// Runs every scenario against Capstan and against etcd. Both main servers stay up together (the idle one costs next
/// to nothing) so that throughput rounds can alternate between them; only one is ever under load.
/// Each scenario's failure is recorded and the run goes on with the next.
/// </summary>
public sealed class BenchRun(BenchOptions options, TextWriter log)
{
    private const long ThroughputOpsCap = 10_000_000;
    private const string FillNamespace = "bench-fill";
    private const string WatchNamespace = "bench-watch";
    private const string LoadNamespace = "bench-load";
    private static readonly TimeSpan FillTimeLimit = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(3);
    private readonly ObjectPayload _payload = new(options.ValueBytes);

    private bool Wants(string scenario) => options.Scenarios.Contains(scenario);

    /// <summary>Startup first (one server at a time), then both main servers side by side for the other scenarios.</summary>
    public async Task<(SystemFigures Capstan, SystemFigures Etcd)> RunAsync(CancellationToken ct)
    {
        var capstan = new SystemFigures();
        var etcd = new SystemFigures();
        if (Wants("startup"))
        {
            log.WriteLine("startup:");
            await StartupAsync(capstan, "capstan", dir => StartCapstanAsync(dir, ct), ct).ConfigureAwait(false);
            await StartupAsync(etcd, "etcd", dir => StartEtcdAsync(dir, ct), ct).ConfigureAwait(false);
        }

        if (!Wants("rss") && !Wants("watch") && !Wants("throughput"))
        {
            return (capstan, etcd);
        }

        var capstanDir = Path.Combine(options.WorkDir, "capstan-main");
        var etcdDir = Path.Combine(options.WorkDir, "etcd-main");
        await using (var capstanServer = await CapstanServerProcess.StartAsync(options.CapstanPath, capstanDir, options.CapstanLogLevel, options.CapstanEnvironment, ct).ConfigureAwait(false))
        await using (var etcdServer = await EtcdServerProcess.StartAsync(options.EtcdPath, etcdDir, ct).ConfigureAwait(false))
        {
            log.WriteLine($"capstan server pid {capstanServer.Process.Pid} at {capstanServer.BaseAddress}; etcd pid {etcdServer.Process.Pid} at {etcdServer.ClientUrl}");
            var capstanPid = capstanServer.Process.Pid;
            var etcdPid = etcdServer.Process.Pid;
            await using var http1 = CapstanTarget.Create(capstanServer.BaseAddress, capstanServer.KubeconfigPath, http2: false, options.Clients + 1, _payload);
            await using var http2 = CapstanTarget.Create(capstanServer.BaseAddress, capstanServer.KubeconfigPath, http2: true, 1, _payload);
            await using var grpc = EtcdTarget.Create(etcdServer.ClientUrl, _payload);
            foreach (var ns in new[] { FillNamespace, WatchNamespace, LoadNamespace })
            {
                await http1.EnsureNamespaceAsync(ns, ct).ConfigureAwait(false);
            }

            log.WriteLine("capstan:");
            await RunSharedScenariosAsync(capstan, http1, capstanPid, ct).ConfigureAwait(false);
            log.WriteLine("etcd:");
            await RunSharedScenariosAsync(etcd, grpc, etcdPid, ct).ConfigureAwait(false);

            if (Wants("throughput"))
            {
                // Unmeasured warm-up so that no round pays for JIT compilation or connection set-up.
                log.WriteLine($"warm-up: {WarmUp.TotalSeconds:F0} s of creates per client, not counted");
                foreach (var (target, prefix) in new (IBenchTarget, string)[] { (http1, "warm1"), (grpc, "warmg"), (http2, "warm2") })
                {
                    await ClosedLoopLoad.RunAsync(options.Clients, WarmUp, ThroughputOpsCap,
                        (seq, t) => target.CreateAsync(LoadNamespace, $"{prefix}-{seq}", t), ct).ConfigureAwait(false);
                }

                // Rounds alternate the systems so that other work on the machine falls on both alike; the best round counts.
                for (var round = 1; round <= options.Rounds; round++)
                {
                    log.WriteLine($"throughput round {round}/{options.Rounds}:");
                    await Guard(capstan, "throughput HTTP/1.1", async () =>
                        KeepBest(capstan, "HTTP/1.1", await ThroughputAsync(http1, $"h1r{round}", capstanPid, ct).ConfigureAwait(false))).ConfigureAwait(false);
                    await Guard(etcd, "throughput gRPC", async () =>
                        KeepBest(etcd, "gRPC", await ThroughputAsync(grpc, $"gr{round}", etcdPid, ct).ConfigureAwait(false))).ConfigureAwait(false);
                    await Guard(capstan, "throughput HTTP/2", async () =>
                        KeepBest(capstan, "HTTP/2", await ThroughputAsync(http2, $"h2r{round}", capstanPid, ct).ConfigureAwait(false))).ConfigureAwait(false);
                }

                log.WriteLine("read path:");
                await Guard(capstan, "read path", async () =>
                {
                    capstan.Reads["GET /readyz"] = await MeasuredAsync("capstan GET /readyz", capstanPid, token => ClosedLoopLoad.RunAsync(
                        options.Clients, ReadDuration, ThroughputOpsCap, (_, t) => http1.PingAsync(t), token), ct).ConfigureAwait(false);
                    capstan.Reads["GET one ConfigMap"] = await ReadsAsync("capstan GET one ConfigMap", capstan, http1, capstanPid, ct).ConfigureAwait(false);
                    capstan.Reads["create, dryRun=All"] = await MeasuredAsync("capstan create dryRun=All", capstanPid, token => ClosedLoopLoad.RunAsync(
                        options.Clients, ReadDuration, ThroughputOpsCap, (seq, t) => http1.CreateAsync(LoadNamespace, $"dry-{seq}", dryRun: true, t), token), ct).ConfigureAwait(false);
                }).ConfigureAwait(false);
                await Guard(etcd, "read path", async () =>
                    etcd.Reads["Range one key"] = await ReadsAsync("etcd Range one key", etcd, grpc, etcdPid, ct).ConfigureAwait(false)).ConfigureAwait(false);

                capstan.RssAfterAll = capstanServer.RssBytes();
                etcd.RssAfterAll = etcdServer.RssBytes();
                log.WriteLine($"RSS after every scenario: capstan {Mib(capstan.RssAfterAll)} MiB ({ProcessMemory.Breakdown(capstanPid)}), etcd {Mib(etcd.RssAfterAll)} MiB ({ProcessMemory.Breakdown(etcdPid)})");
            }
        }

        if (Wants("startup"))
        {
            await Guard(capstan, "restart with data", async () =>
            {
                await using var again = await StartCapstanAsync(capstanDir, ct).ConfigureAwait(false);
                capstan.StartLoaded = TimeSpan.FromMilliseconds(again.ReadyMs);
            }).ConfigureAwait(false);
            await Guard(etcd, "restart with data", async () =>
            {
                await using var again = await StartEtcdAsync(etcdDir, ct).ConfigureAwait(false);
                etcd.StartLoaded = TimeSpan.FromMilliseconds(again.ReadyMs);
            }).ConfigureAwait(false);
            log.WriteLine($"restart on the filled data dirs: capstan {capstan.StartLoaded?.TotalMilliseconds:F0} ms, etcd {etcd.StartLoaded?.TotalMilliseconds:F0} ms");
        }

        return (capstan, etcd);
    }

    private static void KeepBest(SystemFigures figures, string label, LoadResult result)
    {
        figures.ThroughputRounds.Add((label, result));
        if (!figures.Throughput.TryGetValue(label, out var best) || result.PerSecond > best.PerSecond)
        {
            figures.Throughput[label] = result;
        }
    }

    private async Task StartupAsync(SystemFigures figures, string name, Func<string, Task<StartedServer>> start, CancellationToken ct)
    {
        await Guard(figures, "startup", async () =>
        {
            for (var i = 0; i < options.Starts; i++)
            {
                var dir = Path.Combine(options.WorkDir, $"{name}-start-{i}");
                double freshMs;
                await using (var fresh = await start(dir).ConfigureAwait(false))
                {
                    freshMs = fresh.ReadyMs;
                    figures.StartFresh.Add(freshMs);
                }

                await using var again = await start(dir).ConfigureAwait(false);
                figures.StartExisting.Add(again.ReadyMs);
                log.WriteLine($"  {name} start {i + 1}/{options.Starts}: fresh {freshMs:F0} ms, existing {again.ReadyMs:F0} ms");
            }
        }).ConfigureAwait(false);

        // The same restarts on a data dir that holds as many objects as the RSS figure: what a real restart looks like.
        await Guard(figures, "startup with objects", async () =>
        {
            var dir = Path.Combine(options.WorkDir, $"{name}-start-0");
            await using (var server = await start(dir).ConfigureAwait(false))
            {
                await using var target = server.CreateTarget();
                await target.EnsureNamespaceAsync(FillNamespace, ct).ConfigureAwait(false);
                var fill = await ClosedLoopLoad.RunAsync(options.Clients, FillTimeLimit, options.RssObjects,
                    (seq, token) => target.CreateAsync(FillNamespace, $"fill-{seq}", token), ct).ConfigureAwait(false);
                figures.StartWithObjectsCount = fill.Ops;
            }

            for (var i = 0; i < options.Starts; i++)
            {
                await using var again = await start(dir).ConfigureAwait(false);
                figures.StartWithObjects.Add(again.ReadyMs);
            }

            log.WriteLine($"  {name} restarts with {figures.StartWithObjectsCount} objects: median {figures.StartWithObjects.Median:F0} ms, max {figures.StartWithObjects.Max:F0} ms");
        }).ConfigureAwait(false);
        ct.ThrowIfCancellationRequested();
    }

    private async Task<StartedServer> StartCapstanAsync(string dir, CancellationToken ct)
    {
        var server = await CapstanServerProcess.StartAsync(options.CapstanPath, dir, options.CapstanLogLevel, options.CapstanEnvironment, ct).ConfigureAwait(false);
        return new StartedServer(server, server.TimeToReady.TotalMilliseconds,
            () => CapstanTarget.Create(server.BaseAddress, server.KubeconfigPath, http2: false, options.Clients, _payload));
    }

    private async Task<StartedServer> StartEtcdAsync(string dir, CancellationToken ct)
    {
        var server = await EtcdServerProcess.StartAsync(options.EtcdPath, dir, ct).ConfigureAwait(false);
        return new StartedServer(server, server.TimeToReady.TotalMilliseconds, () => EtcdTarget.Create(server.ClientUrl, _payload));
    }

    /// <summary>RSS after the fill, then watch latency: the same steps on both systems.</summary>
    private async Task RunSharedScenariosAsync(SystemFigures figures, IBenchTarget target, int pid, CancellationToken ct)
    {
        figures.RssIdle = ProcessMemory.RssBytes(pid);
        log.WriteLine($"  idle RSS {Mib(figures.RssIdle)} MiB ({ProcessMemory.Breakdown(pid)})");
        if (Wants("rss"))
        {
            await Guard(figures, "rss fill", async () =>
            {
                figures.Fill = await ClosedLoopLoad.RunAsync(options.Clients, FillTimeLimit, options.RssObjects,
                    (seq, token) => target.CreateAsync(FillNamespace, $"fill-{seq}", token), ct).ConfigureAwait(false);
                figures.ObjectsStored += figures.Fill.Ops;

                // A moment for work that trails the acknowledgements (batched commits, caches) to land in memory.
                await Task.Delay(TimeSpan.FromSeconds(1), ct).ConfigureAwait(false);
                figures.RssAfterFill = ProcessMemory.RssBytes(pid);
                log.WriteLine($"  filled {figures.Fill.Ops} objects ({figures.Fill.Errors} errors) in {figures.Fill.Elapsed.TotalSeconds:F1} s; RSS {Mib(figures.RssAfterFill)} MiB ({ProcessMemory.Breakdown(pid)})");
            }).ConfigureAwait(false);
        }

        if (Wants("watch"))
        {
            await Guard(figures, "watch", async () =>
            {
                figures.Watch = await WatchLatencyProbe.RunAsync(target, WatchNamespace, options.WatchWriters, options.WatchDuration, ThroughputOpsCap, ct).ConfigureAwait(false);
                figures.ObjectsStored += figures.Watch.Writes.Ops;
                log.WriteLine($"  watch: {figures.Watch.Writes.Ops} writes at {figures.Watch.Writes.PerSecond:F0}/s, event p50 {figures.Watch.FromAck.Median:F2} ms after ack, missed {figures.Watch.Missed}");
            }).ConfigureAwait(false);
        }
    }

    private TimeSpan ReadDuration => TimeSpan.FromSeconds(Math.Min(options.Duration.TotalSeconds, 5));

    private Task<LoadResult> ThroughputAsync(IBenchTarget target, string prefix, int serverPid, CancellationToken ct) =>
        MeasuredAsync($"  creates {prefix}", serverPid, token => ClosedLoopLoad.RunAsync(options.Clients, options.Duration, ThroughputOpsCap,
            (seq, t) => target.CreateAsync(LoadNamespace, $"{prefix}-{seq}", t), token), ct);

    /// <summary>Reads of the objects the RSS fill stored (or of one bootstrap-free name that must exist).</summary>
    private async Task<LoadResult> ReadsAsync(string label, SystemFigures figures, IBenchTarget target, int serverPid, CancellationToken ct)
    {
        var stored = figures.Fill?.Ops ?? 0;
        if (stored == 0)
        {
            await target.CreateAsync(FillNamespace, "fill-1", ct).ConfigureAwait(false);
            stored = 1;
        }

        return await MeasuredAsync(label, serverPid, token => ClosedLoopLoad.RunAsync(options.Clients, ReadDuration, ThroughputOpsCap,
            (seq, t) => target.ReadAsync(FillNamespace, $"fill-{(seq % stored) + 1}", t), token), ct).ConfigureAwait(false);
    }

    /// <summary>Runs a load and adds the CPU both processes spent on it.</summary>
    private async Task<LoadResult> MeasuredAsync(string label, int serverPid, Func<CancellationToken, Task<LoadResult>> load, CancellationToken ct)
    {
        var serverBefore = ProcessCpu.Used(serverPid);
        var clientBefore = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
        var result = await load(ct).ConfigureAwait(false);
        var serverAfter = ProcessCpu.Used(serverPid);
        var clientAfter = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
        result = result with
        {
            ServerCpu = serverAfter - serverBefore,
            ClientCpu = clientAfter - clientBefore,
        };
        log.WriteLine($"  {label}: {result.PerSecond:F0}/s, p50 {result.Latency.Median:F2} ms, p99 {result.Latency.Percentile(99):F2} ms, "
            + $"server CPU {result.ServerCpuPerOpUs:F0} µs/op, client CPU {result.ClientCpuPerOpUs:F0} µs/op, {result.Errors} errors"
            + (result.FirstError is null ? "" : $" (first: {result.FirstError})") + $"; load {ProcessCpu.LoadAverage()}");
        return result;
    }

    private async Task Guard(SystemFigures figures, string scenario, Func<Task> run)
    {
        try
        {
            await run().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            figures.Failures.Add($"{scenario}: {ex.GetType().Name}: {ex.Message}");
            log.WriteLine($"  {scenario} FAILED: {ex.Message}");
        }
    }

    private static string Mib(long? bytes) => bytes is null ? "?" : (bytes.Value / 1048576.0).ToString("F1", System.Globalization.CultureInfo.InvariantCulture);
}
