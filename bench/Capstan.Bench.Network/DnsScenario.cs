using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Capstan.Bench.Network.Dns;
using k8s;
using k8s.Models;

namespace Capstan.Bench.Network;

/// <summary>
/// Cluster DNS versus dnsmasq: a real `capstan server` with N ClusterIP Services (N names under cluster.local) and
/// dnsmasq serving the same N names from an addn-hosts file on another loopback port, no upstream for either; dnsperf
/// sends the same query file to each for the same time. Prints QPS, latency, CPU per query and the ratios.
/// Options: --dns-names N (1000), --dns-clients C (4), --dns-outstanding Q (100), --duration S (10), --rounds R (1).
/// </summary>
[BenchScenario("dns", 2)]
public static class DnsScenario
{
    public static async Task RunAsync(BenchOptions options, CancellationToken ct)
    {
        var names = int.Parse(options.Value("--dns-names") ?? "1000", CultureInfo.InvariantCulture);
        var clients = int.Parse(options.Value("--dns-clients") ?? "4", CultureInfo.InvariantCulture);
        var outstanding = int.Parse(options.Value("--dns-outstanding") ?? "100", CultureInfo.InvariantCulture);
        foreach (var tool in new[] { DnsPerf.Path, Dnsmasq.Path })
        {
            if (!File.Exists(tool))
            {
                Console.WriteLine($"dns: {tool} is missing: apt-get install -y dnsperf dnsmasq-base; skipped");
                return;
            }
        }

        var work = Path.Combine(Path.GetTempPath(), "capstan-bench-dns-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(work);
        try
        {
            await RunInAsync(work, options, names, clients, outstanding, ct).ConfigureAwait(false);
        }
        finally
        {
            try
            {
                Directory.Delete(work, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static async Task RunInAsync(string work, BenchOptions options, int names, int clients, int outstanding, CancellationToken ct)
    {
        var dnsPort = FreeUdpPort();
        await using var server = await CapstanProcess.StartAsync(options.CapstanPath, Path.Combine(work, "data"), dnsPort, ct).ConfigureAwait(false);

        Console.WriteLine($"creating {names} Services ...");
        var addresses = new string[names];
        await Parallel.ForAsync(0, names, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct }, async (i, token) =>
        {
            var created = await server.Client.CreateNamespacedServiceAsync(new V1Service
            {
                Metadata = new V1ObjectMeta { Name = $"bench-{i}" },
                Spec = new V1ServiceSpec { Ports = [new V1ServicePort { Name = "http", Port = 80 }] },
            }, "default", cancellationToken: token).ConfigureAwait(false);
            addresses[i] = created.Spec.ClusterIP;
        }).ConfigureAwait(false);

        var hosts = Path.Combine(work, "hosts");
        var queries = Path.Combine(work, "queries");
        await File.WriteAllLinesAsync(hosts, Enumerable.Range(0, names).Select(i => $"{addresses[i]} {Name(i)}"), ct).ConfigureAwait(false);
        await File.WriteAllLinesAsync(queries, Enumerable.Range(0, names).Select(i => $"{Name(i)} A"), ct).ConfigureAwait(false);

        var dnsmasqPort = FreeUdpPort();
        await using var dnsmasq = Dnsmasq.Start(hosts, dnsmasqPort, 5);
        await WaitForAnswerAsync(dnsPort, Name(names - 1), ct).ConfigureAwait(false);
        await WaitForAnswerAsync(dnsmasqPort, Name(names - 1), ct).ConfigureAwait(false);

        DnsPerfResult? bestCapstan = null;
        DnsPerfResult? bestDnsmasq = null;
        double capstanCpu = 0, dnsmasqCpu = 0;
        for (var round = 0; round < options.Rounds; round++)
        {
            var (capstan, capstanSeconds) = await MeasureAsync(server.Pid, dnsPort, queries, options.DurationSeconds, clients, outstanding, ct).ConfigureAwait(false);
            Print("capstan", capstan, capstanSeconds);
            var (peer, peerSeconds) = await MeasureAsync(dnsmasq.Pid, dnsmasqPort, queries, options.DurationSeconds, clients, outstanding, ct).ConfigureAwait(false);
            Print("dnsmasq", peer, peerSeconds);
            if (bestCapstan is null || capstan.Qps > bestCapstan.Qps)
            {
                (bestCapstan, capstanCpu) = (capstan, capstanSeconds);
            }

            if (bestDnsmasq is null || peer.Qps > bestDnsmasq.Qps)
            {
                (bestDnsmasq, dnsmasqCpu) = (peer, peerSeconds);
            }
        }

        Console.WriteLine();
        Console.WriteLine($"{"",-10} {"QPS",10} {"avg ms",8} {"sd ms",8} {"max ms",8} {"lost",6} {"µs CPU/q",9}");
        Row("capstan", bestCapstan!, capstanCpu);
        Row("dnsmasq", bestDnsmasq!, dnsmasqCpu);
        var ratio = bestCapstan!.Qps / bestDnsmasq!.Qps;
        Console.WriteLine($"QPS ratio capstan/dnsmasq: {ratio:F2} (target >= 1.00: {(ratio >= 1 ? "met" : "NOT met")}); " +
            $"average latency ratio: {bestCapstan.AverageLatencyMs / bestDnsmasq.AverageLatencyMs:F2}");
    }

    private static string Name(int i) => $"bench-{i}.default.svc.cluster.local";

    private static async Task<(DnsPerfResult Result, double CpuSeconds)> MeasureAsync(int pid, int port, string queries, int seconds, int clients, int outstanding, CancellationToken ct)
    {
        using var target = Process.GetProcessById(pid);
        var before = target.TotalProcessorTime;
        var result = await DnsPerf.RunAsync(port, queries, seconds, clients, 1, outstanding, ct).ConfigureAwait(false);
        target.Refresh();
        return (result, (target.TotalProcessorTime - before).TotalSeconds);
    }

    private static void Print(string who, DnsPerfResult r, double cpu) =>
        Console.WriteLine($"  {who}: {r.Qps:F0} q/s, avg {r.AverageLatencyMs:F3} ms (sd {r.StdDevLatencyMs:F3}, max {r.MaxLatencyMs:F1}), lost {r.Lost}, {r.ResponseCodes}, server CPU {cpu:F1} s");

    private static void Row(string who, DnsPerfResult r, double cpu) =>
        Console.WriteLine($"{who,-10} {r.Qps,10:F0} {r.AverageLatencyMs,8:F3} {r.StdDevLatencyMs,8:F3} {r.MaxLatencyMs,8:F1} {r.Lost,6} {cpu * 1e6 / Math.Max(1, r.Completed),9:F1}");

    private static int FreeUdpPort()
    {
        // A port free for both UDP and TCP (both servers listen on both).
        while (true)
        {
            using var tcp = new TcpListener(IPAddress.Loopback, 0);
            tcp.Start();
            var port = ((IPEndPoint)tcp.LocalEndpoint).Port;
            try
            {
                using var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException)
            {
            }
        }
    }

    /// <summary>Polls with a hand-made A query until the server answers NOERROR with a record.</summary>
    private static async Task WaitForAnswerAsync(int port, string name, CancellationToken ct)
    {
        using var udp = new UdpClient(AddressFamily.InterNetwork);
        udp.Connect(IPAddress.Loopback, port);
        var query = new List<byte> { 0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0 };
        foreach (var label in name.Split('.'))
        {
            query.Add((byte)label.Length);
            query.AddRange(Encoding.ASCII.GetBytes(label));
        }

        query.AddRange([0, 0, 1, 0, 1]);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            await udp.SendAsync(query.ToArray(), ct).ConfigureAwait(false);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(500);
            try
            {
                var reply = await udp.ReceiveAsync(timeout.Token).ConfigureAwait(false);
                if (reply.Buffer.Length >= 12 && (reply.Buffer[3] & 0xf) == 0 && BinaryPrimitives.ReadUInt16BigEndian(reply.Buffer.AsSpan(6)) > 0)
                {
                    return;
                }
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
            }
            catch (SocketException)
            {
                // Not listening yet (port unreachable).
            }

            await Task.Delay(100, ct).ConfigureAwait(false);
        }

        throw new TimeoutException($"no answer for {name} on port {port}");
    }
}
