using System.Diagnostics;
using System.Globalization;

namespace Capstan.Bench.Workloads.Processes;

/// <summary>
/// A `capstan server` (with its embedded agent) or a standalone `capstan agent`, each with its own data dir.
/// Disposing stops it and then stops its pods with `capstan killall`, because pods outlive their agent.
/// </summary>
public sealed class CapstanProcess : IAsyncDisposable
{
    private readonly string _capstanPath;
    private bool _podsKilled;

    private CapstanProcess(string capstanPath, ChildProcess process, string dataDir, string nodeName, int apiPort)
    {
        _capstanPath = capstanPath;
        Process = process;
        DataDir = dataDir;
        NodeName = nodeName;
        ApiPort = apiPort;
    }

    public ChildProcess Process { get; }

    public string DataDir { get; }

    public string NodeName { get; }

    /// <summary>The API server's port (servers only; 0 for agents).</summary>
    public int ApiPort { get; }

    public string ServerUrl => $"https://127.0.0.1:{ApiPort}";

    public string KubeconfigPath => Path.Combine(DataDir, "kubeconfig.yaml");

    public string TokenPath => Path.Combine(DataDir, "token");

    /// <summary>Servers: ms from starting the process until /readyz said ok and the kubeconfig was written.</summary>
    public double StartupMs { get; private set; } = double.NaN;

    /// <summary>Servers: the CPU (user + system) the process had used by then, in ms: start-up and its JIT.</summary>
    public double StartupCpuMs { get; private set; } = double.NaN;

    /// <summary>Extra environment for every capstan process this benchmark starts, for experiments (e.g. DOTNET_TieredPGO=0).</summary>
    public static IReadOnlyDictionary<string, string> Environment { get; set; } = new Dictionary<string, string>();

    /// <summary>Starts a server and waits until /readyz says ok and its kubeconfig is written.</summary>
    /// <param name="withAgent">False runs it with --disable-agent (a standalone agent then joins).</param>
    public static async Task<CapstanProcess> StartServerAsync(string capstanPath, string dataDir, string nodeName, CancellationToken ct, bool withAgent = true)
    {
        Directory.CreateDirectory(dataDir);
        var port = FreePort.Next();
        var agentPort = FreePort.Next();
        string[] args =
        [
            "server", "--data-dir", dataDir, "--https-listen-port", port.ToString(CultureInfo.InvariantCulture),
            "--agent-port", agentPort.ToString(CultureInfo.InvariantCulture), "--node-name", nodeName,
            .. (withAgent ? Array.Empty<string>() : ["--disable-agent"]),
        ];
        var started = Stopwatch.GetTimestamp();
        var process = ChildProcess.Start(capstanPath, args, dataDir + ".log", Environment);
        var server = new CapstanProcess(capstanPath, process, dataDir, nodeName, port);
        try
        {
            await WaitReadyAsync(server, ct).ConfigureAwait(false);
            server.StartupMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            server.StartupCpuMs = ProcessCpu.Used(process.Pid)?.TotalMilliseconds ?? double.NaN;
            return server;
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Starts `capstan agent` joining <paramref name="server"/>; the caller waits for its Node to be Ready.</summary>
    public static CapstanProcess StartAgent(string capstanPath, CapstanProcess server, string dataDir, string nodeName, string podCidr)
    {
        Directory.CreateDirectory(dataDir);
        string[] args =
        [
            "agent", "--server", server.ServerUrl, "--token-file", server.TokenPath, "--node-name", nodeName, "--data-dir", dataDir,
            "--agent-port", FreePort.Next().ToString(CultureInfo.InvariantCulture), "--pod-cidr", podCidr, "--node-ip", "127.0.0.1",
        ];
        return new CapstanProcess(capstanPath, ChildProcess.Start(capstanPath, args, dataDir + ".log", Environment), dataDir, nodeName, 0);
    }

    /// <summary>
    /// A machine dying: SIGKILL the process, then stop its pods (which would otherwise keep running as orphans).
    /// </summary>
    public async Task<string> KillMachineAsync()
    {
        await Process.KillAsync().ConfigureAwait(false);
        _podsKilled = true;
        return await CapstanCli.KillAllAsync(_capstanPath, DataDir).ConfigureAwait(false);
    }

    private static async Task WaitReadyAsync(CapstanProcess server, CancellationToken ct)
    {
        using var probe = new HttpClient(new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(1),
            SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true },
        })
        {
            Timeout = TimeSpan.FromSeconds(2),
        };
        var deadline = Stopwatch.GetTimestamp() + (60 * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            if (server.Process.HasExited)
            {
                throw new InvalidOperationException($"capstan server exited before it was ready; its last output:\n{server.Process.Tail()}");
            }

            try
            {
                var body = await probe.GetStringAsync(new Uri($"{server.ServerUrl}/readyz"), ct).ConfigureAwait(false);
                if (body.Trim() == "ok" && File.Exists(server.KubeconfigPath) && File.Exists(server.TokenPath))
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
            }

            await Task.Delay(50, ct).ConfigureAwait(false);
        }

        throw new TimeoutException($"capstan server not ready after 60 s; last output:\n{server.Process.Tail()}");
    }

    public async ValueTask DisposeAsync()
    {
        await Process.DisposeAsync().ConfigureAwait(false);
        if (!_podsKilled)
        {
            var output = await CapstanCli.KillAllAsync(_capstanPath, DataDir).ConfigureAwait(false);
            _podsKilled = true;
            if (output.Contains("timed out", StringComparison.Ordinal))
            {
                await Console.Error.WriteLineAsync($"{DataDir}: {output}").ConfigureAwait(false);
            }
        }
    }
}
