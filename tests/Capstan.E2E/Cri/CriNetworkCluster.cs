using System.Diagnostics;
using System.Globalization;
using System.Net;
using Capstan.Agent.Network;
using Capstan.E2E.Infrastructure;
using static Capstan.Testing.HostTools;

namespace Capstan.E2E.Cri;

/// <summary>
/// A private containerd (scripts/cri/start-containerd.sh, images from scripts/cri/build-test-images.sh) whose CNI
/// configuration is Capstan's own (<see cref="CniConfigWriter"/>: bridge capstan-nw0 over 10.90.0.0/24), and a
/// `capstan server` on it with the non-loopback service CIDR 10.90.128.0/17, so pods reach ClusterIPs and the
/// kube-dns ClusterIP through the addresses the proxy binds. Blackhole routes keep 10.90.0.0/16 and the service CIDR
/// on this machine. When root or containerd is missing, <see cref="UnavailableReason"/> says so and nothing starts.
/// </summary>
public sealed class CriNetworkCluster : IAsyncLifetime
{
    public const string BusyboxImage = "capstan.io/busybox:1";
    public const string ClusterCidr = "10.90.0.0/16";
    public const string ServiceCidr = "10.90.128.0/17";
    private const string Bridge = "capstan-nw0";

    private readonly List<string> _blackholes = [];
    private int _containerdPid;
    private CapstanProcess? _server;

    public string Directory { get; } = Path.Combine(Path.GetTempPath(), "cri-network", "e2e-" + Guid.NewGuid().ToString("N")[..8]);

    public string Socket => Path.Combine(Directory, "containerd.sock");

    public string DataDir => Path.Combine(Directory, "capstan");

    public string LogPath => Path.Combine(Directory, "capstan.log");

    public string NodeName { get; } = "cri-nw-" + Guid.NewGuid().ToString("N")[..6];

    public Kubectl Kubectl { get; private set; } = null!;

    /// <summary>Null when the tests can run; otherwise why not.</summary>
    public static string? UnavailableReason()
    {
        if (!OperatingSystem.IsLinux() || !Environment.IsPrivilegedProcess)
        {
            return "CRI network tests need root on Linux (containerd, network namespaces)";
        }

        foreach (var file in new[] { "/usr/bin/containerd", "/usr/bin/ctr", "/usr/lib/cni/bridge", "/usr/lib/cni/host-local", "/usr/lib/cni/portmap", "/bin/busybox", "/usr/sbin/ip" })
        {
            if (!File.Exists(file))
            {
                return $"CRI network tests need {file} (apt-get install containerd runc containernetworking-plugins busybox-static iproute2)";
            }
        }

        return null;
    }

    public async Task InitializeAsync()
    {
        if (UnavailableReason() is not null)
        {
            return;
        }

        System.IO.Directory.CreateDirectory(Directory);
        foreach (var cidr in new[] { ClusterCidr, ServiceCidr })
        {
            var (code, output) = await RunAsync("ip", "route", "add", "blackhole", cidr);
            if (code == 0)
            {
                _blackholes.Add(cidr);
            }
            else if (!output.Contains("File exists", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"ip route add blackhole {cidr}: {output}");
            }
        }

        var scripts = Path.Combine(RepoRoot(), "scripts", "cri");
        var (started, pid) = await RunAsync(Path.Combine(scripts, "start-containerd.sh"), Directory, Socket);
        if (started != 0)
        {
            throw new InvalidOperationException("start-containerd.sh failed: " + pid);
        }

        // The script prints the daemon's pid on stdout; stderr (appended after) may carry notes.
        _containerdPid = pid.Split('\n', StringSplitOptions.TrimEntries).Select(l => int.TryParse(l, CultureInfo.InvariantCulture, out var n) ? n : 0).LastOrDefault(n => n > 0);
        await CniConfigWriter.EnsureAsync(new CniOptions
        {
            ConfDir = Path.Combine(Directory, "cni", "net.d"),
            BridgeName = Bridge,
            PodCidr = CniConfigWriter.NodePodCidr(IPNetwork.Parse(ClusterCidr)),
            IpamDataDir = Path.Combine(Directory, "ipam"),
        });
        var (built, buildOutput) = await RunAsync(Path.Combine(scripts, "build-test-images.sh"), Path.Combine(Directory, "images"), Socket);
        if (built != 0)
        {
            throw new InvalidOperationException("build-test-images.sh failed: " + buildOutput);
        }

        string Port() => CapstanServerFixture.FreePort().ToString(CultureInfo.InvariantCulture);
        _server = CapstanProcess.Start(LogPath,
            "server", "--data-dir", DataDir, "--https-listen-port", Port(), "--agent-port", Port(), "--node-name", NodeName,
            "--runtime", "cri", "--container-runtime-endpoint", Socket, "--cluster-cidr", ClusterCidr, "--cni-conf-dir", Path.Combine(Directory, "cni", "net.d"), "--service-cidr", ServiceCidr,
            "--cluster-dns-port", Port(), "--proxy-metrics-port", "0", "--ingress-http-port", Port(), "--ingress-https-port", Port(),
            "--ingress-metrics-port", "0");
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
        }, TimeSpan.FromSeconds(90), "the cri node to be Ready");
    }

    public string ReadLog() => File.Exists(LogPath) ? File.ReadAllText(LogPath) : "";

    public string ManifestFile(string content)
    {
        var path = Path.Combine(Directory, "manifest-" + Guid.NewGuid().ToString("N")[..8] + ".yaml");
        File.WriteAllText(path, content);
        return path;
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.StopAsync();
            await _server.DisposeAsync();
        }

        if (_containerdPid != 0)
        {
            // Pods outlive the agent by design: their sandboxes go through the CRI, so the CNI plugins release their
            // veths, addresses and masquerade rules before containerd stops (its shims would keep them otherwise).
            try
            {
                using var runtime = new Capstan.Agent.Runtime.Cri.CriRuntime(new Capstan.Agent.Runtime.Cri.CriRuntimeOptions(Socket));
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
                foreach (var sandbox in await runtime.ListPodSandboxesAsync(cts.Token))
                {
                    await runtime.StopPodSandboxAsync(sandbox.Id, cts.Token);
                    await runtime.RemovePodSandboxAsync(sandbox.Id, cts.Token);
                }
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                Console.Error.WriteLine($"removing the test's pod sandboxes failed: {e.Message}");
            }

            try
            {
                using var process = Process.GetProcessById(_containerdPid);
                process.Kill();
                await process.WaitForExitAsync();
            }
            catch (ArgumentException)
            {
            }

            await RunAsync("ip", "link", "del", Bridge);
            await RunAsync("umount", "-R", Path.Combine(Directory, "root"));
        }

        foreach (var cidr in _blackholes)
        {
            await RunAsync("ip", "route", "del", "blackhole", cidr);
        }

        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            return (-1, $"{file} timed out");
        }

        return (process.ExitCode, await stdout + await stderr);
    }
}
