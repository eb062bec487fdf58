using System.Globalization;
using System.Text.Json.Nodes;

namespace Capstan.E2E.Infrastructure;

/// <summary>
/// A `capstan server` with its embedded node agent (process runtime), which tests can restart, plus extra `capstan agent`
/// nodes they can join and kill. Each cluster has its own pod CIDR and ports, so classes run side by side. Pods outlive
/// their agents by design, so disposal runs `capstan killall` on every data dir.
/// </summary>
public class WorkloadCluster : IAsyncLifetime
{
    private static int s_next = Random.Shared.Next(0, 40);
    private readonly List<(string DataDir, CapstanProcess? Process)> _agents = [];
    private CapstanProcess? _server;
    private string? _serverDeath;

    public WorkloadCluster()
    {
        // 127.20.0.0/16 .. 127.99.0.0/16: away from the default 127.10/16 that a hand-started server uses.
        var slot = 20 + (Interlocked.Increment(ref s_next) % 80);
        PodCidrSecondOctet = slot;
    }

    public string DataDir { get; } = Path.Combine(Path.GetTempPath(), "capstan-wl-" + Guid.NewGuid().ToString("N")[..12]);

    public string LogPath => DataDir + ".log";

    public int Port { get; } = CapstanServerFixture.FreePort();

    public int AgentPort { get; } = CapstanServerFixture.FreePort();

    public string NodeName { get; } = "node-" + Guid.NewGuid().ToString("N")[..6];

    public int PodCidrSecondOctet { get; }

    /// <summary>
    /// Every cluster on this machine would otherwise take ClusterIPs from the default 127.43.0.0/16, and their service
    /// proxies would fight over the same addresses: each gets 127.(100+slot).0.0/16.
    /// </summary>
    public string ServiceCidr => $"127.{100 + PodCidrSecondOctet}.0.0/16";

    /// <summary>The cluster DNS's address: the tenth of the service CIDR, where the kube-dns Service is.</summary>
    public string ClusterDnsIp => $"127.{100 + PodCidrSecondOctet}.0.10";

    public int DnsPort { get; } = CapstanServerFixture.FreePort();

    public int IngressHttpPort { get; } = CapstanServerFixture.FreePort();

    public int IngressHttpsPort { get; } = CapstanServerFixture.FreePort();

    public Kubectl Kubectl { get; private set; } = null!;

    public static string TestServerBinary
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Capstan.slnx")))
            {
                dir = dir.Parent;
            }

            return Environment.GetEnvironmentVariable("CAPSTAN_TESTSERVER")
                ?? Path.Combine(dir?.FullName ?? ".", "artifacts", "testserver", "capstan-testserver");
        }
    }

    /// <summary>Extra server flags (e.g. a short crash-loop back-off).</summary>
    protected virtual IEnumerable<string> ExtraServerArguments() => ["--crash-loop-backoff", "1s"];

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(DataDir);
        await StartServerAsync();
    }

    public async Task StartServerAsync()
    {
        string[] args =
        [
            "server", "--data-dir", DataDir, "--https-listen-port", Port.ToString(CultureInfo.InvariantCulture),
            "--agent-port", AgentPort.ToString(CultureInfo.InvariantCulture), "--node-name", NodeName,
            "--pod-cidr", $"127.{PodCidrSecondOctet}.0.0/16", "--service-cidr", ServiceCidr,
            "--cluster-dns-port", DnsPort.ToString(CultureInfo.InvariantCulture), "--proxy-metrics-port", "0",
            "--ingress-http-port", IngressHttpPort.ToString(CultureInfo.InvariantCulture),
            "--ingress-https-port", IngressHttpsPort.ToString(CultureInfo.InvariantCulture), "--ingress-metrics-port", "0",
            .. ExtraServerArguments(),
        ];
        _server = CapstanProcess.Start(LogPath, args);
        Kubectl = new Kubectl(Path.Combine(DataDir, "kubeconfig.yaml"));
        await WaitAsync(async () =>
        {
            if (_server.HasExited)
            {
                throw new InvalidOperationException($"capstan server exited while starting ({_server.ExitDescription()}); log:\n" + ReadLog());
            }

            if (!File.Exists(Kubectl.KubeconfigPath))
            {
                return false;
            }

            var ready = await Kubectl.RunAsync(["get", "node", NodeName, "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}"], null, TimeSpan.FromSeconds(10));
            return ready.ExitCode == 0 && ready.Stdout.Trim() == "True";
        }, TimeSpan.FromSeconds(60), "the server and its node to be ready");
    }

    /// <summary>Stops the server (SIGTERM, or SIGKILL when <paramref name="kill"/>); its pods keep running.</summary>
    public async Task StopServerAsync(bool kill = false)
    {
        if (_server is not null)
        {
            if (_server.HasExited)
            {
                // Nothing stops a server but this method: a test that fails because the server is gone says how it ended.
                _serverDeath ??= _server.ExitDescription();
            }

            await _server.StopAsync(kill);
            await _server.DisposeAsync();
            _server = null;
        }
    }

    /// <summary>Joins a `capstan agent` node with its own data dir, ports and pod CIDR; returns its index.</summary>
    public async Task<int> StartAgentAsync(string nodeName)
    {
        var index = _agents.Count;
        var dataDir = $"{DataDir}-agent{index}";
        var token = (await File.ReadAllTextAsync(Path.Combine(DataDir, "token"))).Trim();
        var process = CapstanProcess.Start($"{dataDir}.log",
            "agent", "--server", $"https://127.0.0.1:{Port}", "--token", token, "--node-name", nodeName, "--data-dir", dataDir,
            "--agent-port", CapstanServerFixture.FreePort().ToString(CultureInfo.InvariantCulture),
            "--pod-cidr", $"127.{PodCidrSecondOctet}.{100 + index}.0/24", "--crash-loop-backoff", "1s",
            "--cluster-dns", ClusterDnsIp, "--proxy-metrics-port", "0");
        _agents.Add((dataDir, process));
        await WaitAsync(async () =>
        {
            var ready = await Kubectl.RunAsync(["get", "node", nodeName, "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}"], null, TimeSpan.FromSeconds(10));
            return ready.ExitCode == 0 && ready.Stdout.Trim() == "True";
        }, TimeSpan.FromSeconds(60), $"agent {nodeName} to be Ready");
        return index;
    }

    /// <summary>The machine dies: SIGKILL the agent and every process of its pods.</summary>
    public async Task KillAgentMachineAsync(int index)
    {
        var (dataDir, process) = _agents[index];
        if (process is not null)
        {
            await process.StopAsync(kill: true);
            await process.DisposeAsync();
        }

        await CapstanProcess.RunAsync("killall", "--data-dir", dataDir);
        _agents[index] = (dataDir, null);
    }

    public string ReadLog() => File.Exists(LogPath) ? File.ReadAllText(LogPath) : "";

    public async Task<string> CreateNamespaceAsync()
    {
        var name = "wl-" + Guid.NewGuid().ToString("N")[..8];
        (await Kubectl.RunAsync("create", "namespace", name)).EnsureSuccess();
        return name;
    }

    public string ManifestFile(string content)
    {
        var path = Path.Combine(DataDir, "manifest-" + Guid.NewGuid().ToString("N")[..8] + ".yaml");
        File.WriteAllText(path, content);
        return path;
    }

    /// <summary>Reads a pod list as JSON.</summary>
    public async Task<JsonArray> PodsAsync(string ns, string selector)
    {
        var result = (await Kubectl.RunAsync("get", "pods", "-n", ns, "-l", selector, "-o", "json")).EnsureSuccess();
        return JsonNode.Parse(result.Stdout)!["items"]!.AsArray();
    }

    /// <summary>Polls until <paramref name="condition"/> holds; fails with <paramref name="what"/> after <paramref name="bound"/>.</summary>
    public static async Task WaitAsync(Func<Task<bool>> condition, TimeSpan bound, string what)
    {
        var deadline = DateTime.UtcNow + bound;
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(250);
        }

        if (!await condition())
        {
            throw new TimeoutException($"timed out after {bound.TotalSeconds} s waiting for {what}");
        }
    }

    public virtual async Task DisposeAsync()
    {
        foreach (var (dataDir, process) in _agents)
        {
            if (process is not null)
            {
                await process.DisposeAsync();
            }

            await CapstanProcess.RunAsync("killall", "--data-dir", dataDir);
            TryDelete(dataDir);
            TryDeleteFile(dataDir + ".log");
        }

        await StopServerAsync();
        await CapstanProcess.RunAsync("killall", "--data-dir", DataDir);
        var log = ReadLog();
        var errors = log.Split('\n').Where(l => l.Contains("internal error", StringComparison.OrdinalIgnoreCase)).ToArray();
        TryDelete(DataDir);
        if (_serverDeath is not null)
        {
            var tail = string.Join('\n', log.Split('\n').TakeLast(40));
            throw new Xunit.Sdk.XunitException($"the server ended on its own ({_serverDeath}); log kept at {LogPath}, its end:\n{tail}");
        }

        if (errors.Length > 0)
        {
            throw new Xunit.Sdk.XunitException($"the server answered {errors.Length} request(s) with an internal error; log kept at {LogPath}:\n{string.Join('\n', errors.Take(20))}");
        }

        TryDeleteFile(LogPath);
    }

    private static void TryDelete(string dir)
    {
        try
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }

    private static void TryDeleteFile(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
    }
}
