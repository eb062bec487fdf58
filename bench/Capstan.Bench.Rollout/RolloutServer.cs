using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using k8s;

namespace Capstan.Bench.Rollout;

/// <summary>
/// A `capstan server` with its embedded agent (process runtime) in its own data dir. Disposing stops it and then its pods
/// with `capstan killall`, since pods outlive their agent.
/// </summary>
public sealed class RolloutServer : IAsyncDisposable
{
    private readonly string _capstanPath;
    private readonly Process _process;

    private RolloutServer(string capstanPath, Process process, string dataDir, int port)
    {
        _capstanPath = capstanPath;
        _process = process;
        DataDir = dataDir;
        Port = port;
    }

    public string DataDir { get; }

    public int Port { get; }

    public string KubeconfigPath => Path.Combine(DataDir, "kubeconfig.yaml");

    public static async Task<RolloutServer> StartAsync(string capstanPath, string dataDir, CancellationToken ct)
    {
        Directory.CreateDirectory(dataDir);
        var port = FreePort();
        var start = new ProcessStartInfo(capstanPath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            "server", "--data-dir", dataDir, "--https-listen-port", port.ToString(CultureInfo.InvariantCulture),
            "--agent-port", FreePort().ToString(CultureInfo.InvariantCulture), "--node-name", "bench-node",
            "--pod-cidr", "127.77.0.0/16", "--service-cidr", "127.177.0.0/16",
            "--cluster-dns-port", FreePort().ToString(CultureInfo.InvariantCulture), "--proxy-metrics-port", "0",
            "--ingress-http-port", FreePort().ToString(CultureInfo.InvariantCulture),
            "--ingress-https-port", FreePort().ToString(CultureInfo.InvariantCulture), "--ingress-metrics-port", "0",
            "--crash-loop-backoff", "1s",
        })
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("capstan did not start");
        var log = File.CreateText(dataDir + ".log");
        process.OutputDataReceived += (_, e) => { lock (log) { log.WriteLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (log) { log.WriteLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new RolloutServer(capstanPath, process, dataDir, port);
        var deadline = Stopwatch.GetTimestamp() + (90 * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"capstan server exited while starting; see {dataDir}.log");
            }

            if (File.Exists(server.KubeconfigPath))
            {
                try
                {
                    using var client = server.Client();
                    var node = await client.CoreV1.ReadNodeAsync("bench-node", cancellationToken: ct).ConfigureAwait(false);
                    if (node.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true)
                    {
                        return server;
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or k8s.Autorest.HttpOperationException or IOException)
                {
                }
            }

            await Task.Delay(250, ct).ConfigureAwait(false);
        }

        await server.DisposeAsync().ConfigureAwait(false);
        throw new TimeoutException("capstan server and its node were not ready within 90 s");
    }

    public Kubernetes Client() => new(KubernetesClientConfiguration.BuildConfigFromConfigFile(KubeconfigPath));

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync().ConfigureAwait(false);
        }

        using var killall = Process.Start(new ProcessStartInfo(_capstanPath) { ArgumentList = { "killall", "--data-dir", DataDir }, RedirectStandardOutput = true, RedirectStandardError = true });
        if (killall is not null)
        {
            await killall.WaitForExitAsync().ConfigureAwait(false);
        }

        _process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
