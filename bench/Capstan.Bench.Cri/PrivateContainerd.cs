using System.Diagnostics;
using System.Globalization;
using static Capstan.Testing.HostTools;

namespace Capstan.Bench.Cri;

/// <summary>A private containerd (scripts/cri/start-containerd.sh) with a bridge CNI conf and the test images imported.</summary>
internal sealed class PrivateContainerd : IAsyncDisposable
{
    public const string Cidr = "10.89.0.0/16";
    private const string Bridge = "capstan-ag0";
    private int _pid;
    private bool _blackhole;

    private PrivateContainerd(string directory) => Directory = directory;

    public string Directory { get; }

    public string Socket => Path.Combine(Directory, "containerd", "containerd.sock");

    public static async Task<PrivateContainerd> StartAsync(string repoRoot, string directory)
    {
        var containerd = new PrivateContainerd(directory);
        var scripts = Path.Combine(repoRoot, "scripts", "cri");
        var output = await RunAsync(Path.Combine(scripts, "start-containerd.sh"), Path.Combine(directory, "containerd"), containerd.Socket);
        containerd._pid = int.Parse(output.Trim().Split('\n')[^1], CultureInfo.InvariantCulture);
        containerd._blackhole = await TryRunAsync("ip", "route", "add", "blackhole", Cidr, "metric", "4000");
        await File.WriteAllTextAsync(Path.Combine(directory, "containerd", "cni", "net.d", "10-capstan-ag.conflist"), $$"""
            {"cniVersion":"1.0.0","name":"capstan-ag","plugins":[
              {"type":"bridge","bridge":"{{Bridge}}","isGateway":true,"ipMasq":false,"hairpinMode":true,
               "ipam":{"type":"host-local","ranges":[[{"subnet":"{{Cidr}}"}]],"routes":[{"dst":"0.0.0.0/0"}]}
              },
              {"type":"portmap","capabilities":{"portMappings":true} },{"type":"loopback"}]
            }
            """);
        await RunAsync(Path.Combine(scripts, "build-test-images.sh"), Path.Combine(directory, "images"), containerd.Socket);
        return containerd;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var process = Process.GetProcessById(_pid);
            process.Kill();
            await process.WaitForExitAsync();
        }
        catch (ArgumentException)
        {
        }

        if (_blackhole)
        {
            await TryRunAsync("ip", "route", "del", "blackhole", Cidr, "metric", "4000");
        }

        await TryRunAsync("ip", "link", "del", Bridge);
        await TryRunAsync("umount", "-R", Path.Combine(Directory, "containerd", "root"));
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }
}
