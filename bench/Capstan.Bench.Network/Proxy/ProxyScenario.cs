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
/// real `capstan server` process (its embedded agent's proxy, pooled-buffer and splice relays) and through haproxy,
/// plus wrk straight at one backend as the ceiling. Prints requests/s, p50, p99, proxy CPU, and the ratios.
/// Options: --proxy-systems direct,haproxy,capstan,capstan-splice (default all).
/// </summary>
[BenchScenario("proxy", 0)]
public static class ProxyScenario
{
    private const int ServicePort = 8080;

    public static async Task RunAsync(BenchOptions options, CancellationToken ct)
    {
        var systems = options.Value("--proxy-systems")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            ?? ["direct", "haproxy", "capstan", "capstan-splice"];
        var (backends, endPoints) = StartBackends();
        try
        {
            Console.WriteLine($"backends: {string.Join(", ", endPoints)} (raw-socket HTTP/1.1, fixed 200); load: wrk -t{options.Threads} -c{options.Connections} -d{options.DurationSeconds}s --latency, best of {options.Rounds}");
            var results = new List<(string System, WrkResult Result, double CpuPer100k)>();
            foreach (var system in systems)
            {
                var (result, cpu) = system switch
                {
                    "direct" => await MeasureAsync(new Uri($"http://{endPoints[0]}/"), null, options, ct).ConfigureAwait(false),
                    "haproxy" => await MeasureHaproxyAsync(endPoints, options, ct).ConfigureAwait(false),
                    "capstan" => await MeasureCapstanAsync(endPoints, splice: false, options, ct).ConfigureAwait(false),
                    "capstan-splice" => await MeasureCapstanAsync(endPoints, splice: true, options, ct).ConfigureAwait(false),
                    _ => throw new ArgumentException($"unknown proxy system {system}"),
                };
                results.Add((system, result, cpu));
                Console.WriteLine($"  {system,-15} {result.RequestsPerSecond,10:F0} req/s  p50 {result.P50Ms,7:F3} ms  p99 {result.P99Ms,7:F3} ms  proxy CPU {Cpu(cpu)}  errors {result.Errors}");
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

    private static async Task<(WrkResult, double)> MeasureHaproxyAsync(List<IPEndPoint> backends, BenchOptions options, CancellationToken ct)
    {
        var listen = new IPEndPoint(IPAddress.Loopback, FreePort.Next());
        await using var haproxy = await Haproxy.StartAsync(listen, backends, ct).ConfigureAwait(false);
        return await MeasureAsync(new Uri($"http://{listen}/"), haproxy, options, ct).ConfigureAwait(false);
    }

    private static async Task<(WrkResult, double)> MeasureCapstanAsync(List<IPEndPoint> backends, bool splice, BenchOptions options, CancellationToken ct)
    {
        await using var server = await CapstanServer.StartAsync(options.CapstanPath, splice ? ["--proxy-splice"] : [], ct).ConfigureAwait(false);
        var service = await server.Client.CreateNamespacedServiceAsync(new V1Service
        {
            Metadata = new V1ObjectMeta { Name = "bench" },
            Spec = new V1ServiceSpec { Ports = [new V1ServicePort { Name = "http", Port = ServicePort, TargetPort = backends[0].Port }] },
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
        return await MeasureAsync(new Uri($"http://{clusterIp}/"), server.Process, options, ct).ConfigureAwait(false);
    }

    // A short warm-up run (JIT, pools, haproxy's connection set-up), then the measured rounds; the best round counts.
    private static async Task<(WrkResult, double)> MeasureAsync(Uri url, ChildProcess? proxy, BenchOptions options, CancellationToken ct)
    {
        await Wrk.RunAsync(url.ToString(), options.Threads, options.Connections, 3, ct).ConfigureAwait(false);
        WrkResult? best = null;
        var bestCpu = double.NaN;
        for (var round = 0; round < options.Rounds; round++)
        {
            var cpuBefore = proxy?.CpuTime();
            var result = await Wrk.RunAsync(url.ToString(), options.Threads, options.Connections, options.DurationSeconds, ct).ConfigureAwait(false);
            var cpu = proxy is null ? double.NaN : (proxy.CpuTime() - cpuBefore!.Value).TotalSeconds;
            if (result.Requests == 0)
            {
                Console.WriteLine(result.Output);
            }

            if (best is null || result.RequestsPerSecond > best.RequestsPerSecond)
            {
                best = result;
                bestCpu = result.Requests > 0 ? cpu / result.Requests * 100_000 : double.NaN;
            }
        }

        return (best!, bestCpu);
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
