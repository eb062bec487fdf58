using Capstan.Bench.Api.Measurement;
using Capstan.Bench.Api.Processes;
using Capstan.Bench.Api.Targets;

namespace Capstan.Bench.Api.Scenarios;

/// <summary>
/// Runs every scenario against Capstan, then against etcd, one server at a time so they never share the CPU.
/// Each scenario's failure is recorded and the run goes on with the next.
/// </summary>
public sealed class BenchRun(BenchOptions options, TextWriter log)
{
    private const long ThroughputOpsCap = 10_000_000;
    private const string FillNamespace = "bench-fill";
    private const string WatchNamespace = "bench-watch";
    private const string LoadNamespace = "bench-load";
    private static readonly TimeSpan FillTimeLimit = TimeSpan.FromMinutes(5);
    private readonly ObjectPayload _payload = new(options.ValueBytes);

    private bool Wants(string scenario) => options.Scenarios.Contains(scenario);

    public async Task<SystemFigures> RunCapstanAsync(CancellationToken ct)
    {
        var figures = new SystemFigures();
        if (Wants("startup"))
        {
            await Guard(figures, "startup", async () =>
            {
                for (var i = 0; i < options.Starts; i++)
                {
                    var dir = Path.Combine(options.WorkDir, $"capstan-start-{i}");
                    double freshMs;
                    await using (var fresh = await CapstanServerProcess.StartAsync(options.CapstanPath, dir, options.CapstanLogLevel, options.CapstanEnvironment, ct).ConfigureAwait(false))
                    {
                        freshMs = fresh.TimeToReady.TotalMilliseconds;
                        figures.StartFresh.Add(freshMs);
                    }

                    await using var again = await CapstanServerProcess.StartAsync(options.CapstanPath, dir, options.CapstanLogLevel, options.CapstanEnvironment, ct).ConfigureAwait(false);
                    figures.StartExisting.Add(again.TimeToReady.TotalMilliseconds);
                    log.WriteLine($"  capstan start {i + 1}/{options.Starts}: fresh {freshMs:F0} ms, existing {again.TimeToReady.TotalMilliseconds:F0} ms");
                }
            }).ConfigureAwait(false);
        }

        if (!Wants("rss") && !Wants("watch") && !Wants("throughput"))
        {
            return figures;
        }

        var mainDir = Path.Combine(options.WorkDir, "capstan-main");
        var server = await CapstanServerProcess.StartAsync(options.CapstanPath, mainDir, options.CapstanLogLevel, options.CapstanEnvironment, ct).ConfigureAwait(false);
        try
        {
            log.WriteLine($"  capstan server pid {server.Process.Pid} at {server.BaseAddress} ready in {server.TimeToReady.TotalMilliseconds:F0} ms");
            await using var http1 = CapstanTarget.Create(server.BaseAddress, server.KubeconfigPath, http2: false, options.Clients + 1, _payload);
            foreach (var ns in new[] { FillNamespace, WatchNamespace, LoadNamespace })
            {
                await http1.EnsureNamespaceAsync(ns, ct).ConfigureAwait(false);
            }

            await RunSharedScenariosAsync(figures, http1, server.Process.Pid, ct).ConfigureAwait(false);

            if (Wants("throughput"))
            {
                var pid = server.Process.Pid;
                await Guard(figures, "throughput HTTP/1.1", async () =>
                    figures.Throughput["HTTP/1.1"] = await ThroughputAsync(http1, "h1", pid, ct).ConfigureAwait(false)).ConfigureAwait(false);
                await Guard(figures, "throughput HTTP/2", async () =>
                {
                    await using var http2 = CapstanTarget.Create(server.BaseAddress, server.KubeconfigPath, http2: true, 1, _payload);
                    figures.Throughput["HTTP/2"] = await ThroughputAsync(http2, "h2", pid, ct).ConfigureAwait(false);
                }).ConfigureAwait(false);
                await Guard(figures, "read path", async () =>
                {
                    figures.Reads["GET /readyz"] = await MeasuredAsync("GET /readyz", pid, token => ClosedLoopLoad.RunAsync(
                        options.Clients, ReadDuration, ThroughputOpsCap, (_, t) => http1.PingAsync(t), token), ct).ConfigureAwait(false);
                    figures.Reads["GET one ConfigMap"] = await ReadsAsync(figures, http1, pid, ct).ConfigureAwait(false);
                }).ConfigureAwait(false);
                figures.RssAfterAll = server.RssBytes();
                log.WriteLine($"  RSS after every scenario {Mib(figures.RssAfterAll)} MiB ({ProcessMemory.Breakdown(server.Process.Pid)})");
            }
        }
        finally
        {
            await server.DisposeAsync().ConfigureAwait(false);
        }

        if (Wants("startup"))
        {
            await Guard(figures, "restart with data", async () =>
            {
                await using var again = await CapstanServerProcess.StartAsync(options.CapstanPath, mainDir, options.CapstanLogLevel, options.CapstanEnvironment, ct).ConfigureAwait(false);
                figures.StartLoaded = again.TimeToReady;
            }).ConfigureAwait(false);
        }

        return figures;
    }

    public async Task<SystemFigures> RunEtcdAsync(CancellationToken ct)
    {
        var figures = new SystemFigures();
        if (Wants("startup"))
        {
            await Guard(figures, "startup", async () =>
            {
                for (var i = 0; i < options.Starts; i++)
                {
                    var dir = Path.Combine(options.WorkDir, $"etcd-start-{i}");
                    double freshMs;
                    await using (var fresh = await EtcdServerProcess.StartAsync(options.EtcdPath, dir, ct).ConfigureAwait(false))
                    {
                        freshMs = fresh.TimeToReady.TotalMilliseconds;
                        figures.StartFresh.Add(freshMs);
                    }

                    await using var again = await EtcdServerProcess.StartAsync(options.EtcdPath, dir, ct).ConfigureAwait(false);
                    figures.StartExisting.Add(again.TimeToReady.TotalMilliseconds);
                    log.WriteLine($"  etcd start {i + 1}/{options.Starts}: fresh {freshMs:F0} ms, existing {again.TimeToReady.TotalMilliseconds:F0} ms");
                }
            }).ConfigureAwait(false);
        }

        if (!Wants("rss") && !Wants("watch") && !Wants("throughput"))
        {
            return figures;
        }

        var mainDir = Path.Combine(options.WorkDir, "etcd-main");
        var server = await EtcdServerProcess.StartAsync(options.EtcdPath, mainDir, ct).ConfigureAwait(false);
        try
        {
            log.WriteLine($"  etcd pid {server.Process.Pid} at {server.ClientUrl} ready in {server.TimeToReady.TotalMilliseconds:F0} ms");
            await using var target = EtcdTarget.Create(server.ClientUrl, _payload);
            await RunSharedScenariosAsync(figures, target, server.Process.Pid, ct).ConfigureAwait(false);
            if (Wants("throughput"))
            {
                var pid = server.Process.Pid;
                await Guard(figures, "throughput gRPC", async () =>
                    figures.Throughput["gRPC"] = await ThroughputAsync(target, "g", pid, ct).ConfigureAwait(false)).ConfigureAwait(false);
                await Guard(figures, "read path", async () =>
                    figures.Reads["Range one key"] = await ReadsAsync(figures, target, pid, ct).ConfigureAwait(false)).ConfigureAwait(false);
                figures.RssAfterAll = server.RssBytes();
                log.WriteLine($"  RSS after every scenario {Mib(figures.RssAfterAll)} MiB ({ProcessMemory.Breakdown(server.Process.Pid)})");
            }
        }
        finally
        {
            await server.DisposeAsync().ConfigureAwait(false);
        }

        if (Wants("startup"))
        {
            await Guard(figures, "restart with data", async () =>
            {
                await using var again = await EtcdServerProcess.StartAsync(options.EtcdPath, mainDir, ct).ConfigureAwait(false);
                figures.StartLoaded = again.TimeToReady;
            }).ConfigureAwait(false);
        }

        return figures;
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
        MeasuredAsync($"creates {prefix}", serverPid, token => ClosedLoopLoad.RunAsync(options.Clients, options.Duration, ThroughputOpsCap,
            (seq, t) => target.CreateAsync(LoadNamespace, $"{prefix}-{seq}", t), token), ct);

    /// <summary>Reads of the objects the RSS fill stored (or of one bootstrap-free name that must exist).</summary>
    private async Task<LoadResult> ReadsAsync(SystemFigures figures, IBenchTarget target, int serverPid, CancellationToken ct)
    {
        var stored = figures.Fill?.Ops ?? 0;
        if (stored == 0)
        {
            await target.CreateAsync(FillNamespace, "fill-1", ct).ConfigureAwait(false);
            stored = 1;
        }

        return await MeasuredAsync("reads", serverPid, token => ClosedLoopLoad.RunAsync(options.Clients, ReadDuration, ThroughputOpsCap,
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
