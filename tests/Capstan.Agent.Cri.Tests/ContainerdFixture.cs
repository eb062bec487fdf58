using System.Diagnostics;
using static Capstan.Testing.HostTools;

namespace Capstan.Agent.Cri.Tests;

/// <summary>
/// A private containerd for the tests: builds the test images with scripts/cri/build-test-images.sh, starts containerd with
/// scripts/cri/start-containerd.sh in a temporary directory, writes a bridge CNI conf (bridge capstan-rt0, 10.88.0.0/16,
/// so other helpers' containerds can run beside it), imports the images, and on dispose removes what it created.
/// </summary>
public sealed class ContainerdFixture : IAsyncLifetime
{
    public const string BusyboxImage = "capstan.io/busybox:1";
    public const string PauseImage = "capstan.io/pause:3.10";
    public const string PodCidr = "10.88.0.0/16";
    private const string Bridge = "capstan-rt0";

    private int _pid;
    private bool _blackhole;

    public string Directory { get; } = Path.Combine(Path.GetTempPath(), "cri-runtime", "containerd-" + Guid.NewGuid().ToString("N")[..8]);

    public string Socket => Path.Combine(Directory, "containerd.sock");

    public string LogRoot => Path.Combine(Directory, "pod-logs");

    /// <summary>Null when the tests can run; otherwise why not.</summary>
    public static string? UnavailableReason()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "CRI tests need Linux";
        }

        if (Environment.UserName != "root")
        {
            return "CRI tests need root (containerd, network namespaces)";
        }

        foreach (var tool in new[] { "containerd", "ctr", "runc" })
        {
            if (!OnPath(tool))
            {
                return $"CRI tests need {tool} (apt-get install containerd runc containernetworking-plugins)";
            }
        }

        if (!File.Exists("/usr/lib/cni/bridge"))
        {
            return "CRI tests need the CNI plugins in /usr/lib/cni (apt-get install containernetworking-plugins)";
        }

        return null;
    }

    public async Task InitializeAsync()
    {
        if (UnavailableReason() is not null)
        {
            return;
        }

        var scripts = Path.Combine(RepoRoot(), "scripts", "cri");
        System.IO.Directory.CreateDirectory(Directory);
        System.IO.Directory.CreateDirectory(LogRoot);
        var pid = await RunAsync(Path.Combine(scripts, "start-containerd.sh"), Directory, Socket).ConfigureAwait(false);
        _pid = int.Parse(pid.Trim().Split('\n')[^1], System.Globalization.CultureInfo.InvariantCulture);

        // Traffic to pod addresses that no bridge serves must not leave the machine; the bridge's own route (metric 0) wins.
        _blackhole = await TryRunAsync("ip", "route", "add", "blackhole", PodCidr, "metric", "4000").ConfigureAwait(false);

        await File.WriteAllTextAsync(Path.Combine(Directory, "cni", "net.d", "10-capstan-rt.conflist"), CniConf).ConfigureAwait(false);
        await RunAsync(Path.Combine(scripts, "build-test-images.sh"), Path.Combine(Directory, "images"), Socket).ConfigureAwait(false);
    }

    /// <summary>Kills containerd and starts it again over the same directory; containers keep running in their shims.</summary>
    public async Task RestartAsync()
    {
        await KillContainerdAsync().ConfigureAwait(false);
        var pid = await RunAsync(Path.Combine(RepoRoot(), "scripts", "cri", "start-containerd.sh"), Directory, Socket).ConfigureAwait(false);
        _pid = int.Parse(pid.Trim().Split('\n')[^1], System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task DisposeAsync()
    {
        if (_pid == 0)
        {
            return;
        }

        // Remove every pod first: their shims and network namespaces outlive containerd otherwise.
        try
        {
            using var runtime = new Capstan.Agent.Runtime.Cri.CriRuntime(new Capstan.Agent.Runtime.Cri.CriRuntimeOptions(Socket));
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            foreach (var sandbox in await runtime.ListPodSandboxesAsync(cts.Token).ConfigureAwait(false))
            {
                await runtime.StopPodSandboxAsync(sandbox.Id, cts.Token).ConfigureAwait(false);
                await runtime.RemovePodSandboxAsync(sandbox.Id, cts.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Console.Error.WriteLine($"cleaning up pods failed: {e.Message}");
        }

        await KillContainerdAsync().ConfigureAwait(false);
        if (_blackhole)
        {
            await TryRunAsync("ip", "route", "del", "blackhole", PodCidr, "metric", "4000").ConfigureAwait(false);
        }

        await TryRunAsync("ip", "link", "del", Bridge).ConfigureAwait(false);
        await TryRunAsync("umount", "-R", Path.Combine(Directory, "root")).ConfigureAwait(false);
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // a mount still busy: left for the machine's /tmp cleanup
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private async Task KillContainerdAsync()
    {
        try
        {
            using var process = Process.GetProcessById(_pid);
            process.Kill();
            await process.WaitForExitAsync().ConfigureAwait(false);
        }
        catch (ArgumentException)
        {
            // already gone
        }
    }

    private static string CniConf => $$"""
        {
          "cniVersion": "1.0.0",
          "name": "capstan-rt",
          "plugins": [
            {
              "type": "bridge",
              "bridge": "{{Bridge}}",
              "isGateway": true,
              "ipMasq": false,
              "hairpinMode": true,
              "ipam": {
                "type": "host-local",
                "ranges": [[{ "subnet": "{{PodCidr}}" }]],
                "routes": [{ "dst": "0.0.0.0/0" }]
              }
            },
            { "type": "portmap", "capabilities": { "portMappings": true } },
            { "type": "loopback" }
          ]
        }
        """;
}
