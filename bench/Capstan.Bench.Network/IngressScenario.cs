using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using k8s;
using k8s.Models;

namespace Capstan.Bench.Network;

/// <summary>
/// Capstan's ingress (a real `capstan server` process) against nginx as a reverse proxy: two nginx backends answering a
/// short static body, the same upstream keep-alive, the same wrk load through each proxy in turn, best of the rounds.
/// </summary>
[BenchScenario("ingress", 3)]
public static class IngressScenario
{
    private const string Host = "bench.local";

    public static async Task<bool> RunAsync(BenchOptions options, CancellationToken ct)
    {
        var dir = Directory.CreateTempSubdirectory("capstan-bench-ingress-").FullName;
        Directory.CreateDirectory(dir);
        int backend1 = FreePort(), backend2 = FreePort(), nginxPort = FreePort();
        var processes = new List<Process>();
        try
        {
            processes.Add(StartNginx(dir, "backends", $$"""
                worker_processes 1;
                events { worker_connections 4096; }
                http {
                  access_log off;
                  server { listen 127.0.0.1:{{backend1}}; location / { return 200 "backend-1\n"; } }
                  server { listen 127.0.0.1:{{backend2}}; location / { return 200 "backend-2\n"; } }
                }
                """));

            // What an nginx ingress does: round robin over the endpoints with pooled HTTP/1.1 connections, Host passed on.
            var nginxProxy = StartNginx(dir, "proxy", $$"""
                worker_processes auto;
                events { worker_connections 4096; }
                http {
                  access_log off;
                  upstream backends { server 127.0.0.1:{{backend1}}; server 127.0.0.1:{{backend2}}; keepalive 128; }
                  server {
                    listen 127.0.0.1:{{nginxPort}};
                    location / {
                      proxy_pass http://backends;
                      proxy_http_version 1.1;
                      proxy_set_header Connection "";
                      proxy_set_header Host $host;
                      proxy_set_header X-Forwarded-For $remote_addr;
                    }
                  }
                }
                """);
            processes.Add(nginxProxy);

            // The ingress under test, and with --ingress-yarp the same build with its HTTP/1.1 forwarder turned off
            // (Kestrel+YARP on the plain port, as before it) for an A/B in the same time window.
            var systems = new List<(string Name, int Port, Process Process)> { ("nginx", nginxPort, nginxProxy) };
            var capstans = new List<(string Name, Dictionary<string, string> Env)> { ("capstan ingress", []) };
            if (options.Flag("--ingress-yarp"))
            {
                capstans.Add(("capstan ingress (YARP)", new() { ["CAPSTAN_INGRESS_HTTP1"] = "0" }));
            }

            foreach (var (name, env) in capstans)
            {
                int apiPort = FreePort(), ingressPort = FreePort(), ingressTlsPort = FreePort();
                var dataDir = Path.Combine(dir, "capstan-data-" + systems.Count);
                var capstanServer = Start(options.CapstanPath, Path.Combine(dir, $"capstan-{systems.Count}.log"), env,
                    "server", "--data-dir", dataDir, "--https-listen-port", Str(apiPort), "--disable-agent", "--log-level", "Warning",
                    "--ingress-http-port", Str(ingressPort), "--ingress-https-port", Str(ingressTlsPort), "--ingress-metrics-port", "0");
                processes.Add(capstanServer);
                await ConfigureCapstanAsync(Path.Combine(dataDir, "kubeconfig.yaml"), backend1, backend2, ct).ConfigureAwait(false);
                systems.Add((name, ingressPort, capstanServer));
            }

            foreach (var system in systems)
            {
                await WaitForOkAsync(system.Port, ct).ConfigureAwait(false);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {system.Name}: port {system.Port}, pid {system.Process.Id}"));
            }

            // Warm each (JIT, connection pools) before measuring.
            foreach (var system in systems)
            {
                await WrkAsync(options, system.Port, 3, system.Process.Id, ct).ConfigureAwait(false);
            }

            var best = new IngressWrkResult?[systems.Count];
            for (var round = 0; round < options.Rounds; round++)
            {
                var line = new System.Text.StringBuilder(string.Create(CultureInfo.InvariantCulture, $"  round {round + 1}:"));
                for (var i = 0; i < systems.Count; i++)
                {
                    var result = await WrkAsync(options, systems[i].Port, options.DurationSeconds, systems[i].Process.Id, ct).ConfigureAwait(false);
                    line.Append(CultureInfo.InvariantCulture, $" {systems[i].Name} {result?.RequestsPerSecond:F0} req/s {result?.CpuMicrosPerRequest:F1} µs CPU/req;");
                    best[i] = Best(best[i], result);
                }

                Console.WriteLine(line.ToString());
            }

            Print(options, [.. systems.Select((s, i) => (s.Name, best[i]))]);
            return best.All(b => b is not null);
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or IOException or HttpRequestException)
        {
            Console.Error.WriteLine($"ingress scenario failed: {ex.Message} (logs in {dir})");
            return false;
        }
        finally
        {
            foreach (var process in processes)
            {
                Stop(process);
            }
        }
    }

    private static void Print(BenchOptions options, IReadOnlyList<(string Name, IngressWrkResult? Result)> results)
    {
        var c = CultureInfo.InvariantCulture;
        Console.WriteLine();
        Console.WriteLine(string.Create(c, $"ingress: wrk -t{options.Threads} -c{options.Connections} -d{options.DurationSeconds}s, Host {Host}, two nginx backends, best of {options.Rounds}"));
        Console.WriteLine("| proxy | req/s | p50 ms | p99 ms | errors | CPU µs/request |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        foreach (var (name, r) in results)
        {
            Console.WriteLine(r is null ? $"| {name} | - | - | - | - | - |" : string.Create(c, $"| {name} | {r.RequestsPerSecond:F0} | {r.P50Ms:F2} | {r.P99Ms:F2} | {r.Errors} | {r.CpuMicrosPerRequest:F1} |"));
        }

        var nginx = results[0].Result;
        foreach (var (name, capstan) in results.Skip(1))
        {
            if (nginx is not null && capstan is not null)
            {
                var ratio = capstan.RequestsPerSecond / nginx.RequestsPerSecond;
                Console.WriteLine(string.Create(c,
                    $"{name}/nginx: req/s {ratio:P0} (target >= 80%: {(ratio >= 0.8 ? "met" : "missed")}), p50 {capstan.P50Ms / nginx.P50Ms:F2}x, p99 {capstan.P99Ms / nginx.P99Ms:F2}x, CPU per request {capstan.CpuMicrosPerRequest / nginx.CpuMicrosPerRequest:F2}x"));
            }
        }
    }

    private static IngressWrkResult? Best(IngressWrkResult? a, IngressWrkResult? b) => a is null ? b : b is null ? a : b.RequestsPerSecond > a.RequestsPerSecond ? b : a;

    private static async Task ConfigureCapstanAsync(string kubeconfig, int backend1, int backend2, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!File.Exists(kubeconfig))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("capstan server wrote no kubeconfig in 60 s");
            }

            await Task.Delay(100, ct).ConfigureAwait(false);
        }

        using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig));
        while (true)
        {
            try
            {
                await client.ListNamespaceAsync(cancellationToken: ct).ConfigureAwait(false);
                break;
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(200, ct).ConfigureAwait(false);
            }
        }

        // A Service without a selector and hand-made EndpointSlices: no pods needed, the endpoints are the nginx backends.
        await client.CreateNamespacedServiceAsync(new V1Service
        {
            Metadata = new V1ObjectMeta { Name = "bench" },
            Spec = new V1ServiceSpec { Ports = [new V1ServicePort { Name = "http", Port = 80 }] },
        }, "default", cancellationToken: ct).ConfigureAwait(false);
        foreach (var (name, port) in new[] { ("bench-1", backend1), ("bench-2", backend2) })
        {
            await client.CreateNamespacedEndpointSliceAsync(new V1EndpointSlice
            {
                Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["kubernetes.io/service-name"] = "bench" } },
                AddressType = "IPv4",
                Ports = [new Discoveryv1EndpointPort { Name = "http", Port = port, Protocol = "TCP" }],
                Endpoints = [new V1Endpoint { Addresses = ["127.0.0.1"], Conditions = new V1EndpointConditions { Ready = true } }],
            }, "default", cancellationToken: ct).ConfigureAwait(false);
        }

        await client.CreateNamespacedIngressAsync(new V1Ingress
        {
            Metadata = new V1ObjectMeta { Name = "bench" },
            Spec = new V1IngressSpec
            {
                Rules =
                [
                    new V1IngressRule
                    {
                        Host = Host,
                        Http = new V1HTTPIngressRuleValue
                        {
                            Paths = [new V1HTTPIngressPath { Path = "/", PathType = "Prefix", Backend = new V1IngressBackend { Service = new V1IngressServiceBackend { Name = "bench", Port = new V1ServiceBackendPort { Number = 80 } } } }],
                        },
                    },
                ],
            },
        }, "default", cancellationToken: ct).ConfigureAwait(false);
    }

    private static async Task WaitForOkAsync(int port, CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{port}/");
                request.Headers.Host = Host;
                using var response = await http.SendAsync(request, ct).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
            }

            await Task.Delay(200, ct).ConfigureAwait(false);
        }

        throw new TimeoutException($"nothing answered 200 on port {port} within 60 s");
    }

    private static async Task<IngressWrkResult?> WrkAsync(BenchOptions options, int port, double seconds, int proxyPid, CancellationToken ct)
    {
        var psi = new ProcessStartInfo("wrk") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[]
        {
            "-t", Str(options.Threads), "-c", Str(options.Connections), "-d", Str((int)Math.Ceiling(seconds)) + "s", "--latency",
            "-H", "Host: " + Host, $"http://127.0.0.1:{port}/",
        })
        {
            psi.ArgumentList.Add(arg);
        }

        var cpuBefore = ProcessCpu.Of(proxyPid);
        using var wrk = Process.Start(psi) ?? throw new InvalidOperationException("wrk did not start; apt-get install -y wrk");
        var output = await wrk.StandardOutput.ReadToEndAsync(ct).ConfigureAwait(false);
        await wrk.WaitForExitAsync(ct).ConfigureAwait(false);
        var result = IngressWrkResult.Parse(output)?.WithCpu(ProcessCpu.Of(proxyPid) - cpuBefore);
        if (result is { Errors: > 0 })
        {
            // Say which kind: wrk's socket errors (connect/read/write/timeout) or non-2xx answers.
            foreach (var line in output.Split('\n').Where(l => l.Contains("Socket errors", StringComparison.Ordinal) || l.Contains("Non-2xx", StringComparison.Ordinal)))
            {
                Console.WriteLine($"    port {port}: {line.Trim()}");
            }
        }

        if (result is null)
        {
            Console.Error.WriteLine("could not read wrk's output:\n" + output + await wrk.StandardError.ReadToEndAsync(ct).ConfigureAwait(false));
        }

        return result;
    }

    private static Process StartNginx(string dir, string name, string body)
    {
        var prefix = Path.Combine(dir, "nginx-" + name);
        Directory.CreateDirectory(prefix);
        var conf = Path.Combine(prefix, "nginx.conf");
        File.WriteAllText(conf, $"daemon off;\npid {prefix}/nginx.pid;\nerror_log {prefix}/error.log warn;\n{body}\n");
        return Start("/usr/sbin/nginx", Path.Combine(prefix, "stdout.log"), "-p", prefix, "-c", conf);
    }

    private static Process Start(string file, string log, params string[] args) => Start(file, log, new Dictionary<string, string>(), args);

    private static Process Start(string file, string log, Dictionary<string, string> env, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (key, value) in env)
        {
            psi.Environment[key] = value;
        }

        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        var process = Process.Start(psi) ?? throw new InvalidOperationException($"{file} did not start");
        var writer = new StreamWriter(log) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (writer) { writer.WriteLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (writer) { writer.WriteLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static void Stop(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
        }

        process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string Str(int value) => value.ToString(CultureInfo.InvariantCulture);
}
