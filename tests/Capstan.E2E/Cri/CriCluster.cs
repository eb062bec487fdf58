using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Capstan.E2E.Infrastructure;
using static Capstan.Testing.HostTools;

namespace Capstan.E2E.Cri;

/// <summary>
/// `capstan server --runtime cri` over a private containerd (scripts/cri/start-containerd.sh under /tmp/cri-agent) with
/// a bridge CNI conf (capstan-ag0, 10.89.0.0/16) and the offline test images imported. Blackhole routes for the pod and
/// service CIDRs keep traffic on the machine. Without root or containerd nothing starts and the tests skip.
/// </summary>
public sealed class CriCluster : IAsyncLifetime
{
    public const string ClusterCidr = "10.89.0.0/16";
    public const string ServiceCidr = "10.93.0.0/16";
    public const string BusyboxImage = "capstan.io/busybox:1";
    private const string Bridge = "capstan-ag0";

    private readonly List<string> _blackholes = [];
    private CapstanProcess? _server;
    private int _containerdPid;

    public string Directory { get; } = Path.Combine(Path.GetTempPath(), "cri-agent", "e2e-" + Guid.NewGuid().ToString("N")[..8]);

    public string Socket => Path.Combine(Directory, "containerd", "containerd.sock");

    public string DataDir => Path.Combine(Directory, "capstan");

    public string LogPath => Path.Combine(Directory, "server.log");

    public int Port { get; } = CapstanServerFixture.FreePort();

    public int AgentPort { get; } = CapstanServerFixture.FreePort();

    public int DnsPort { get; } = CapstanServerFixture.FreePort();

    public string NodeName { get; } = "cri-" + Guid.NewGuid().ToString("N")[..6];

    public Kubectl Kubectl { get; private set; } = null!;

    /// <summary>Null when the suite can run here; otherwise why not (shown as the skip reason).</summary>
    public static string? UnavailableReason()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "the containerd E2E suite needs Linux";
        }

        if (Environment.UserName != "root")
        {
            return "the containerd E2E suite needs root";
        }

        foreach (var tool in new[] { "containerd", "ctr", "runc", "gcc", "ip" })
        {
            if (!OnPath(tool))
            {
                return $"the containerd E2E suite needs {tool} (.ci/run installs containerd runc containernetworking-plugins busybox-static)";
            }
        }

        return !File.Exists("/usr/lib/cni/bridge") ? "the containerd E2E suite needs /usr/lib/cni (containernetworking-plugins)"
            : !File.Exists("/bin/busybox") ? "the containerd E2E suite needs /bin/busybox (busybox-static)"
            : null;
    }

    public async Task InitializeAsync()
    {
        if (UnavailableReason() is not null)
        {
            return;
        }

        System.IO.Directory.CreateDirectory(DataDir);
        await StartContainerdAsync();
        foreach (var cidr in new[] { ClusterCidr, ServiceCidr })
        {
            if (await TryRunAsync("ip", "route", "add", "blackhole", cidr, "metric", "4000"))
            {
                _blackholes.Add(cidr);
            }
        }

        await File.WriteAllTextAsync(Path.Combine(Directory, "containerd", "cni", "net.d", "10-capstan-ag.conflist"), CniConf);
        await RunAsync(Path.Combine(RepoRoot(), "scripts", "cri", "build-test-images.sh"), Path.Combine(Directory, "images"), Socket);
        await StartServerAsync();
    }

    /// <summary>Starts (or restarts over the same state) the private containerd.</summary>
    public async Task StartContainerdAsync()
    {
        var output = await RunAsync(Path.Combine(RepoRoot(), "scripts", "cri", "start-containerd.sh"), Path.Combine(Directory, "containerd"), Socket);
        _containerdPid = int.Parse(output.Trim().Split('\n')[^1], CultureInfo.InvariantCulture);
    }

    /// <summary>SIGKILLs containerd (its shims, and so the containers, keep running).</summary>
    public async Task KillContainerdAsync()
    {
        try
        {
            using var process = Process.GetProcessById(_containerdPid);
            process.Kill();
            await process.WaitForExitAsync();
        }
        catch (ArgumentException)
        {
        }
    }

    public async Task StartServerAsync()
    {
        _server = CapstanProcess.Start(LogPath,
            "server", "--data-dir", DataDir, "--https-listen-port", Port.ToString(CultureInfo.InvariantCulture),
            "--agent-port", AgentPort.ToString(CultureInfo.InvariantCulture), "--node-name", NodeName,
            "--runtime", "cri", "--container-runtime-endpoint", "unix://" + Socket, "--cluster-cidr", ClusterCidr, "--cni-conf-dir", Path.Combine(Directory, "containerd", "cni", "net.d"), "--service-cidr", ServiceCidr,
            "--cluster-dns-port", DnsPort.ToString(CultureInfo.InvariantCulture), "--proxy-metrics-port", "0", "--disable-ingress",
            "--crash-loop-backoff", "1s");
        Kubectl = new Kubectl(Path.Combine(DataDir, "kubeconfig.yaml"));
        await WorkloadCluster.WaitAsync(async () =>
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
        }, TimeSpan.FromSeconds(90), "the cri server and its node to be ready");
    }

    public async Task StopServerAsync(bool kill = false)
    {
        if (_server is not null)
        {
            await _server.StopAsync(kill);
            await _server.DisposeAsync();
            _server = null;
        }
    }

    public string ReadLog() => File.Exists(LogPath) ? File.ReadAllText(LogPath) : "";

    public string ManifestFile(string content)
    {
        var path = Path.Combine(Directory, "manifest-" + Guid.NewGuid().ToString("N")[..8] + ".yaml");
        File.WriteAllText(path, content);
        return path;
    }

    public async Task<string> CreateNamespaceAsync()
    {
        var name = "cri-" + Guid.NewGuid().ToString("N")[..8];
        (await Kubectl.RunAsync("create", "namespace", name)).EnsureSuccess();
        return name;
    }

    public async Task<JsonObject> PodAsync(string ns, string name) =>
        JsonNode.Parse((await Kubectl.RunAsync("get", "pod", "-n", ns, name, "-o", "json")).EnsureSuccess().Stdout)!.AsObject();

    public async Task<JsonObject> WaitPodAsync(string ns, string name, Func<JsonObject, bool> condition, string what)
    {
        JsonObject? last = null;
        try
        {
            await WorkloadCluster.WaitAsync(async () => condition(last = await PodAsync(ns, name)), TimeSpan.FromSeconds(90), $"pod {name}: {what}");
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message}; status: {last?["status"]?.ToJsonString()}", ex);
        }

        return last!;
    }

    public async Task DisposeAsync()
    {
        if (_containerdPid == 0)
        {
            return;
        }

        await StopServerAsync();
        await CapstanProcess.RunAsync("killall", "--data-dir", DataDir, "--container-runtime-endpoint", "unix://" + Socket);
        await KillContainerdAsync();
        foreach (var cidr in _blackholes)
        {
            await TryRunAsync("ip", "route", "del", "blackhole", cidr, "metric", "4000");
        }

        await TryRunAsync("ip", "link", "del", Bridge);
        await TryRunAsync("umount", "-R", Path.Combine(Directory, "containerd", "root"));
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // a mount still busy: left for the machine's /tmp cleanup
        }
    }

    private static string CniConf => $$"""
        {
          "cniVersion": "1.0.0",
          "name": "capstan-ag",
          "plugins": [
            {
              "type": "bridge",
              "bridge": "{{Bridge}}",
              "isGateway": true,
              "ipMasq": false,
              "hairpinMode": true,
              "ipam": { "type": "host-local", "ranges": [[{ "subnet": "{{ClusterCidr}}" }]], "routes": [{ "dst": "0.0.0.0/0" }] }
            },
            { "type": "portmap", "capabilities": { "portMappings": true } },
            { "type": "loopback" }
          ]
        }
        """;
}
