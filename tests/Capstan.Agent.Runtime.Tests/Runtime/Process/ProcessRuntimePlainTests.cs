using System.Text;
using Capstan.Agent.Runtime;

namespace Capstan.Agent.Runtime.Tests.Runtime.Process;

/// <summary>The runtime as a non-root user gets it: no namespaces, no cgroups.</summary>
public sealed class ProcessRuntimePlainTests : IDisposable
{
    private readonly RuntimeHarness _harness = new(o => o with { UseNamespaces = false, UseCgroups = false });

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task StartContainer_NoNamespaces_RunsWithLogsExitCodeAndExec()
    {
        Assert.False(_harness.Runtime.NamespacesEnabled);
        Assert.False(_harness.Runtime.CgroupsEnabled);
        var go = Path.Combine(_harness.Root, "go");
        var (_, id, config) = await _harness.RunAsync($"echo up; while [ ! -e {go} ]; do sleep 0.02; done; exit 2", change: c => c with { Env = [new("X", "y")] });

        var exec = await _harness.Runtime.ExecSyncAsync(id, ["sh", "-c", "echo $X"], TimeSpan.FromSeconds(20), CancellationToken.None);
        await File.WriteAllTextAsync(go, "");
        var status = await _harness.WaitExitedAsync(id);

        Assert.Equal("y\n", Encoding.UTF8.GetString(exec.Stdout));
        Assert.Equal(2, status.ExitCode);
        Assert.Equal(["stdout F up"], await RuntimeHarness.ReadLogAsync(config.LogPath));
    }

    [Fact]
    public async Task StartContainer_NoNamespacesMountAtMissingPath_SymlinkToHostPath()
    {
        var volume = Directory.CreateDirectory(Path.Combine(_harness.Root, "volume")).FullName;
        await File.WriteAllTextAsync(Path.Combine(volume, "f"), "content\n");
        var target = Path.Combine(_harness.Root, "data");

        var (_, id, config) = await _harness.RunAsync($"cat {target}/f", change: c => c with { Mounts = [new Mount(volume, target, true)] });
        await _harness.WaitExitedAsync(id);

        Assert.Equal(["stdout F content"], await RuntimeHarness.ReadLogAsync(config.LogPath));
    }

    [Fact]
    public async Task CreateContainer_NoNamespacesMountOverExistingPath_StartFails()
    {
        var volume = Directory.CreateDirectory(Path.Combine(_harness.Root, "volume")).FullName;
        var occupied = Directory.CreateDirectory(Path.Combine(_harness.Root, "occupied")).FullName;
        var sandbox = await _harness.Runtime.RunPodSandboxAsync(RuntimeHarness.Pod(_harness.Root), CancellationToken.None);
        var id = await _harness.Runtime.CreateContainerAsync(sandbox.Id, _harness.Container("true") with { Mounts = [new Mount(volume, occupied, false)] }, CancellationToken.None);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => _harness.Runtime.StartContainerAsync(id, CancellationToken.None));

        Assert.Contains("cannot mount", error.Message);
    }
}
