using System.Diagnostics;
using Capstan.Agent.Runtime.Process;
using Xunit.Abstractions;

namespace Capstan.Agent.Runtime.Tests.Runtime.Process;

/// <summary>
/// volumeMounts[].mountPropagation in the process runtime (root with pod namespaces only; passes with a note otherwise):
/// HostToContainer receives the host's later mounts under the volume, Bidirectional also sends the pod's to the host,
/// None does neither.
/// </summary>
public sealed class ProcessRuntimeMountPropagationTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);
    private readonly RuntimeHarness _harness = new();
    private readonly List<string> _hostMounts = [];

    private ProcessRuntime Runtime => _harness.Runtime;

    public void Dispose()
    {
        foreach (var mount in _hostMounts)
        {
            Sh($"umount -l '{mount}'");
        }

        var root = _harness.Root;
        _harness.Dispose();

        // The runtime leaves its propagation directory and the volumes' sources shared on the host: unmount them here.
        Sh($"grep -o ' {root}[^ ]*' /proc/self/mountinfo | sort -r | while read m; do umount -l \"$m\"; done");
        try
        {
            Directory.Delete(root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task HostToContainer_HostMountsLater_AppearsInPod()
    {
        if (!NamespacesOrNote())
        {
            return;
        }

        var volume = Directory.CreateDirectory(Path.Combine(_harness.Root, "h2c")).FullName;
        Directory.CreateDirectory(Path.Combine(volume, "sub"));
        var target = Path.Combine(_harness.Root, "inside", "h2c");
        var (_, id, config) = await _harness.RunAsync(
            $"i=0; while [ ! -f {target}/sub/f ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i+1)); done; cat {target}/sub/f; mount -t tmpfs tmpfs {target}/sub 2>/dev/null; mkdir -p {target}/other && mount -t tmpfs tmpfs {target}/other && touch {target}/other/mine",
            change: c => c with { Mounts = [new Mount(volume, target, ReadOnly: false, MountPropagation.HostToContainer)] });

        await Task.Delay(500);
        MountTmpfs(Path.Combine(volume, "sub"));
        await File.WriteAllTextAsync(Path.Combine(volume, "sub", "f"), "from the host\n");
        await _harness.WaitExitedAsync(id);

        Assert.Equal(["stdout F from the host"], await RuntimeHarness.ReadLogAsync(config.LogPath));
        // rslave: what the pod mounts stays in the pod.
        Assert.False(File.Exists(Path.Combine(volume, "other", "mine")), "a pod mount reached the host through a HostToContainer volume");
    }

    [Fact]
    public async Task Bidirectional_PodMounts_AppearOnHost()
    {
        if (!NamespacesOrNote())
        {
            return;
        }

        var volume = Directory.CreateDirectory(Path.Combine(_harness.Root, "bidi")).FullName;
        Directory.CreateDirectory(Path.Combine(volume, "sub"));
        var target = Path.Combine(_harness.Root, "inside", "bidi");
        var (_, id, _) = await _harness.RunAsync(
            $"mount -t tmpfs tmpfs {target}/sub && echo from-the-pod > {target}/sub/g && exec sleep 30",
            change: c => c with { Mounts = [new Mount(volume, target, ReadOnly: false, MountPropagation.Bidirectional)] });
        _hostMounts.Add(Path.Combine(volume, "sub"));

        var file = Path.Combine(volume, "sub", "g");
        var watch = Stopwatch.StartNew();
        while (!File.Exists(file) && watch.Elapsed < Bound)
        {
            await Task.Delay(100);
        }

        Assert.Equal("from-the-pod\n", await File.ReadAllTextAsync(file));
        await Runtime.StopContainerAsync(id, TimeSpan.FromSeconds(1), CancellationToken.None);
    }

    [Fact]
    public async Task None_HostMountsLater_NotInPod()
    {
        if (!NamespacesOrNote())
        {
            return;
        }

        var volume = Directory.CreateDirectory(Path.Combine(_harness.Root, "none")).FullName;
        Directory.CreateDirectory(Path.Combine(volume, "sub"));
        var target = Path.Combine(_harness.Root, "inside", "none");
        var (_, id, config) = await _harness.RunAsync(
            $"while [ ! -f {volume}/ready ]; do sleep 0.1; done; [ -f {target}/sub/f ] && echo seen || echo private",
            change: c => c with { Mounts = [new Mount(volume, target, ReadOnly: false, MountPropagation.None)] });

        await Task.Delay(300);
        MountTmpfs(Path.Combine(volume, "sub"));
        await File.WriteAllTextAsync(Path.Combine(volume, "sub", "f"), "x");
        await File.WriteAllTextAsync(Path.Combine(volume, "ready"), "");
        await _harness.WaitExitedAsync(id);

        Assert.Equal(["stdout F private"], await RuntimeHarness.ReadLogAsync(config.LogPath));
    }

    private void MountTmpfs(string path)
    {
        Assert.Equal(0, Sh($"mount -t tmpfs tmpfs '{path}'"));
        _hostMounts.Add(path);
    }

    private static int Sh(string script)
    {
        using var process = System.Diagnostics.Process.Start(new ProcessStartInfo("sh", ["-c", script]) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        process.WaitForExit();
        return process.ExitCode;
    }

    private bool NamespacesOrNote()
    {
        if (!Runtime.NamespacesEnabled)
        {
            output.WriteLine("pod namespaces are not available here (not root, or unshare fails): nothing to test");
        }

        return Runtime.NamespacesEnabled;
    }
}
