using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Capstan.Bench.Network.Load;
using Capstan.Bench.Network.Processes;
using k8s;
using k8s.Models;

namespace Capstan.Bench.Network.Proxy;

/// <summary>
/// Service proxy versus haproxy (TCP mode): two HTTP backends on loopback, the same wrk load through a ClusterIP of a
/// real `capstan server` process (its embedded agent's proxy, with each of its three relays) and through haproxy,
/// plus wrk straight at one backend as the ceiling. Prints requests/s, p50, p99, proxy CPU, and the ratios.
/// Options: --proxy-systems direct,haproxy,capstan,capstan-buffer,capstan-splice,capstan-epoll (default: all but
/// capstan-buffer, which is what plain capstan runs: the default relay).
/// </summary>
[BenchScenario("proxy", 0)]
public static class ProxyScenario
{
    private const int ServicePort = 8080;

    public static async Task RunAsync(BenchOptions options, CancellationToken ct)
    {
        var systems = options.Value("--proxy-systems")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            ?? ["direct", "haproxy", "capstan", "capstan-epoll", "capstan-splice"];
        var (backends, endPoints) = StartBackends();
        try
        {
            var results = new List<(string System, WrkResult Result, double CpuPer100k)>();
            Console.WriteLine($"backends: {string.Join(", ", endPoints)} (raw-socket HTTP/1.1, fixed 200); load: wrk -t{options.Threads} -c{options.Connections} -d{options.DurationSeconds}s --latency, best of {options.Rounds}");
            // Every system runs at once (idle but for the one under load) and the rounds interleave them, so a noisy
            // neighbour on a shared machine hits all of them alike; the best round per system counts.
            var running = new List<(string System, Uri Url, ChildProcess? Process, IAsyncDisposable? Owner)>();
            try
            {
                foreach (var system in systems)
                {
                    running.Add(await StartSystemAsync(system, endPoints, options, ct).ConfigureAwait(false));
                }

                var best = new Dictionary<string, (WrkResult Result, double CpuPer100k)>();
                foreach (var (system, url, _, _) in running)
                {
                    await Wrk.RunAsync(url.ToString(), options.Threads, options.Connections, 3, ct).ConfigureAwait(false);
                }

                for (var round = 0; round < options.Rounds; round++)
                {
                    foreach (var (system, url, process, _) in running)
                    {
                        var (result, cpu) = await MeasureAsync(url, process, options, ct).ConfigureAwait(false);
                        Console.WriteLine($"  round {round + 1} {system,-15} {result.RequestsPerSecond,10:F0} req/s  p50 {result.P50Ms,7:F3} ms  p99 {result.P99Ms,7:F3} ms  proxy CPU/100k {Cpu(cpu)} s  errors {result.Errors}");
                        if (!best.TryGetValue(system, out var previous) || result.RequestsPerSecond > previous.Result.RequestsPerSecond)
                        {
                            best[system] = (result, cpu);
                        }
                    }
                }

                results.AddRange(running.Select(r => (r.System, best[r.System].Result, best[r.System].CpuPer100k)));
            }
            finally
            {
                foreach (var (_, _, _, owner) in running)
                {
                    if (owner is not null)
                    {
                        await owner.DisposeAsync().ConfigureAwait(false);
                    }
                }
            }

            Report(results);
        }
        finally
        {
            foreach (var backend in backends)
            {
                backend.Dispose();
            }
        }
    }

    /// <summary>Polls until an HTTP GET through <paramref name="endPoint"/> gets a response.</summary>
    public static async Task WaitAnswersAsync(IPEndPoint endPoint, CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(1) };
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                using var response = await http.GetAsync(new Uri($"http://{endPoint}/"), ct).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"nothing answered on {endPoint}");
            }

            await Task.Delay(100, ct).ConfigureAwait(false);
        }
    }

    private static (List<HttpBackend> Backends, List<IPEndPoint> EndPoints) StartBackends()
    {
        // EndpointSlice ports are per slice, so both backends share a port on two loopback addresses.
        for (var attempt = 0; ; attempt++)
        {
            var port = FreePort.Next(IPAddress.Parse("127.88.0.1"));
            var backends = new List<HttpBackend>();
            try
            {
                backends.Add(new HttpBackend(new IPEndPoint(IPAddress.Parse("127.88.0.1"), port)));
                backends.Add(new HttpBackend(new IPEndPoint(IPAddress.Parse("127.88.0.2"), port)));
                return (backends, [.. backends.Select(b => b.EndPoint)]);
            }
            catch (SocketException) when (attempt < 10)
            {
                backends.ForEach(b => b.Dispose());
            }
        }
    }

    private static async Task<(string, Uri, ChildProcess?, IAsyncDisposable?)> StartSystemAsync(string system, List<IPEndPoint> backends, BenchOptions options, CancellationToken ct)
    {
        switch (system)
        {
            case "direct":
                return (system, new Uri($"http://{backends[0]}/"), null, null);
            case "haproxy":
                var listen = new IPEndPoint(IPAddress.Loopback, FreePort.Next());
                var haproxy = await Haproxy.StartAsync(listen, backends, ct).ConfigureAwait(false);
                return (system, new Uri($"http://{listen}/"), haproxy, haproxy);
            default:
                string[] flags = system switch
                {
                    "capstan" => [],
                    "capstan-buffer" => ["--proxy-relay", "Buffer"],
                    "capstan-splice" => ["--proxy-relay", "Splice"],
                    "capstan-epoll" => ["--proxy-relay", "Epoll"],
                    _ => throw new ArgumentException($"unknown proxy system {system}"),
                };
                var server = await CapstanServer.StartAsync(options.CapstanPath, flags, ct).ConfigureAwait(false);
                try
                {
                    var url = await CreateServiceAsync(server, backends, ct).ConfigureAwait(false);
                    return (system, url, server.Process, server);
                }
                catch
                {
                    await server.DisposeAsync().ConfigureAwait(false);
                    throw;
                }
        }
    }

    // Each capstan server is its own cluster, but all share the machine: a random ClusterIP keeps their listeners apart.
    private static async Task<Uri> CreateServiceAsync(CapstanServer server, List<IPEndPoint> backends, CancellationToken ct)
    {
        var service = await server.Client.CreateNamespacedServiceAsync(new V1Service
        {
            Metadata = new V1ObjectMeta { Name = "bench" },
            Spec = new V1ServiceSpec
            {
                ClusterIP = $"127.43.{Random.Shared.Next(100, 250)}.{Random.Shared.Next(1, 255)}",
                Ports = [new V1ServicePort { Name = "http", Port = ServicePort, TargetPort = backends[0].Port }],
            },
        }, "default", cancellationToken: ct).ConfigureAwait(false);
        await server.Client.CreateNamespacedEndpointSliceAsync(new V1EndpointSlice
        {
            Metadata = new V1ObjectMeta { Name = "bench-1", Labels = new Dictionary<string, string> { ["kubernetes.io/service-name"] = "bench" } },
            AddressType = "IPv4",
            Ports = [new Discoveryv1EndpointPort { Name = "http", Port = backends[0].Port, Protocol = "TCP" }],
            Endpoints = [.. backends.Select(b => new V1Endpoint { Addresses = [b.Address.ToString()], Conditions = new V1EndpointConditions { Ready = true } })],
        }, "default", cancellationToken: ct).ConfigureAwait(false);
        var clusterIp = new IPEndPoint(IPAddress.Parse(service.Spec.ClusterIP), ServicePort);
        await WaitAnswersAsync(clusterIp, ct).ConfigureAwait(false);
        return new Uri($"http://{clusterIp}/");
    }

    private static async Task<(WrkResult, double)> MeasureAsync(Uri url, ChildProcess? proxy, BenchOptions options, CancellationToken ct)
    {
        var cpuBefore = proxy?.CpuTime();
        var result = await Wrk.RunAsync(url.ToString(), options.Threads, options.Connections, options.DurationSeconds, ct).ConfigureAwait(false);
        var cpu = proxy is null ? double.NaN : (proxy.CpuTime() - cpuBefore!.Value).TotalSeconds;
        if (result.Requests == 0)
        {
            Console.WriteLine(result.Output);
        }

        return (result, result.Requests > 0 ? cpu / result.Requests * 100_000 : double.NaN);
    }

    private static void Report(List<(string System, WrkResult Result, double CpuPer100k)> results)
    {
        var haproxy = results.FirstOrDefault(r => r.System == "haproxy").Result;
        Console.WriteLine();
        Console.WriteLine("| system | req/s | p50 ms | p99 ms | proxy CPU s / 100k req | req/s vs haproxy | p99 vs haproxy |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var (system, result, cpu) in results)
        {
            var rpsRatio = haproxy is null ? "" : (result.RequestsPerSecond / haproxy.RequestsPerSecond).ToString("P0", CultureInfo.InvariantCulture);
            var p99Ratio = haproxy is null ? "" : (result.P99Ms / haproxy.P99Ms).ToString("F2", CultureInfo.InvariantCulture) + "×";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {system} | {result.RequestsPerSecond:F0} | {result.P50Ms:F3} | {result.P99Ms:F3} | {Cpu(cpu)} | {rpsRatio} | {p99Ratio} |"));
        }

        Console.WriteLine("targets: capstan ≥ 90% of haproxy's req/s, p99 ≤ 1.2× haproxy's");
    }

    private static string Cpu(double seconds) => double.IsNaN(seconds) ? "-" : seconds.ToString("F2", CultureInfo.InvariantCulture);
}
