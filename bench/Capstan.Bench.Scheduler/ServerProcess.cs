using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using k8s;

namespace Capstan.Bench.Scheduler;

/// <summary>
/// A published `capstan server --disable-agent --fake-nodes N` in its own process and data dir: the scheduler under test
/// runs inside it, as in production, and its RSS is the server's. With <c>nodesInAgent</c> the simulated nodes run in a
/// `capstan agent --fake-nodes N` process of their own instead (as KWOK runs beside kube-apiserver), so that the server's
/// RSS leaves them out. Disposing stops both.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _dataDir;

    private ServerProcess(Process process, string dataDir, Kubernetes client)
    {
        _process = process;
        _dataDir = dataDir;
        Client = client;
    }

    public Kubernetes Client { get; }

    /// <summary>The `capstan agent --fake-nodes` process when the simulated nodes run outside the server, else null.</summary>
    public Process? Agent { get; private set; }

    public static async Task<ServerProcess> StartAsync(string capstanPath, string workDir, string name, IReadOnlyList<string> extraArgs, int nodes, CancellationToken ct, bool nodesInAgent = false)
    {
        var dataDir = Path.Combine(workDir, name);
        Directory.CreateDirectory(dataDir);
        var port = FreePort();
        string[] fakeNodes = ["--fake-nodes", nodes.ToString(CultureInfo.InvariantCulture)];
        // With the nodes in an agent, the server must be told the grace period they need (it works that out itself when
        // they run inside it): the one the agent logs.
        var grace = new Capstan.Agent.FakeNodes.FakeNodeOptions { Count = nodes }.MinimumNodeMonitorGracePeriod;
        string[] nodesElsewhere = ["--node-monitor-grace-period", string.Create(CultureInfo.InvariantCulture, $"{Math.Ceiling(grace.TotalSeconds)}s")];
        // The simulated nodes' own flags (--fake-node-zones, --fake-node-capacity, ...) go to the process that runs them.
        var nodeArgs = new List<string>();
        var serverArgs = new List<string>();
        for (var i = 0; i < extraArgs.Count; i++)
        {
            var isNodeFlag = nodesInAgent && extraArgs[i].StartsWith("--fake-node-", StringComparison.Ordinal);
            (isNodeFlag ? nodeArgs : serverArgs).Add(extraArgs[i]);
            if (i + 1 < extraArgs.Count && !extraArgs[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                (isNodeFlag ? nodeArgs : serverArgs).Add(extraArgs[++i]);
            }
        }

        var process = Launch(capstanPath, ["server", "--data-dir", dataDir, "--https-listen-port", port.ToString(CultureInfo.InvariantCulture), "--disable-agent", "--log-level", "Warning", .. nodesInAgent ? nodesElsewhere : fakeNodes, .. serverArgs], dataDir + ".log");
        var kubeconfig = Path.Combine(dataDir, "kubeconfig.yaml");
        var deadline = Stopwatch.StartNew();
        while (!File.Exists(kubeconfig))
        {
            if (process.HasExited || deadline.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new InvalidOperationException($"capstan server did not start; see {dataDir}.log");
            }

            await Task.Delay(100, ct).ConfigureAwait(false);
        }

        await Task.Delay(500, ct).ConfigureAwait(false);
        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig);
        var client = new Kubernetes(config);
        var server = new ServerProcess(process, dataDir, client);
        if (nodesInAgent)
        {
            var agentDir = dataDir + "-agent";
            server.Agent = Launch(capstanPath, ["agent", "--data-dir", agentDir, "--server", $"https://127.0.0.1:{port}", "--token-file", Path.Combine(dataDir, "token"), "--node-name", "simulator", "--log-level", "Warning", .. fakeNodes, .. nodeArgs], agentDir + ".log");
        }

        // The server answers before its simulated nodes are all registered: wait for every one to be Ready.
        while (true)
        {
            if (process.HasExited || server.Agent?.HasExited == true || deadline.Elapsed > TimeSpan.FromSeconds(600))
            {
                await server.DisposeAsync().ConfigureAwait(false);
                throw new InvalidOperationException($"the {nodes} simulated nodes were not all Ready in time; see {dataDir}.log" + (nodesInAgent ? $" and {dataDir}-agent.log" : ""));
            }

            try
            {
                var list = await client.CoreV1.ListNodeAsync(cancellationToken: ct).ConfigureAwait(false);
                if (list.Items.Count(n => n.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true) >= nodes)
                {
                    return server;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or k8s.Autorest.HttpOperationException or TaskCanceledException)
            {
            }

            await Task.Delay(1000, ct).ConfigureAwait(false);
        }
    }

    /// <summary>The server's resident set size in MiB, from /proc.</summary>
    public double RssMiB() => RssMiBOf(_process.Id);

    /// <summary>Process <paramref name="pid"/>'s resident set size in MiB.</summary>
    public static double RssMiBOf(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
            }
        }

        return double.NaN;
    }

    /// <summary>CPU seconds (user + system) the server has used so far, from /proc/&lt;pid&gt;/stat.</summary>
    public double CpuSeconds() => CpuSecondsOf(_process.Id);

    /// <summary>CPU seconds (user + system) process <paramref name="pid"/> has used so far.</summary>
    public static double CpuSecondsOf(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');

        // Fields 14 and 15 (utime, stime) in clock ticks; after the command name they are the 12th and 13th.
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return ticks / 100.0;
    }

    /// <summary>The server's own /metrics samples (name with labels → value): its allocation and garbage collection counters.</summary>
    public async Task<Dictionary<string, double>> MetricsAsync(CancellationToken ct)
    {
        var text = await Client.HttpClient.GetStringAsync(new Uri(Client.BaseUri, "metrics"), ct).ConfigureAwait(false);
        var samples = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!line.StartsWith('#'))
            {
                var space = line.LastIndexOf(' ');
                samples[line[..space]] = double.Parse(line[(space + 1)..], CultureInfo.InvariantCulture);
            }
        }

        return samples;
    }

    /// <summary>The server's process id, for profilers.</summary>
    public int ProcessId => _process.Id;

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (Agent is not null)
        {
            await StopAsync(Agent).ConfigureAwait(false);
        }

        await StopAsync(_process).ConfigureAwait(false);
        _ = _dataDir;
    }

    private static Process Launch(string capstanPath, IEnumerable<string> args, string logPath)
    {
        var dll = capstanPath.EndsWith(".dll", StringComparison.Ordinal);
        var start = new ProcessStartInfo(dll ? "dotnet" : capstanPath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in dll ? args.Prepend(capstanPath) : args)
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start " + capstanPath);
        var log = new StreamWriter(logPath) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => { lock (log) { log.WriteLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (log) { log.WriteLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task StopAsync(Process process)
    {
        if (!process.HasExited)
        {
            // SIGTERM, as a user would stop it; then make sure.
            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await kill!.WaitForExitAsync().ConfigureAwait(false);
            }

            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            try
            {
                await process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        process.Dispose();
    }
}
