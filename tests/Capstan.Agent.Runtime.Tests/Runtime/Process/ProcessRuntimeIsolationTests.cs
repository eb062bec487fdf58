using System.Text.Json;
using Capstan.Agent.Runtime;
using Capstan.Agent.Runtime.Process;
using Xunit.Abstractions;

namespace Capstan.Agent.Runtime.Tests.Runtime.Process;

/// <summary>Namespaces and cgroups: root on Linux only; each test passes with a note when this machine cannot isolate.</summary>
public sealed class ProcessRuntimeIsolationTests(ITestOutputHelper output) : IDisposable
{
    private readonly RuntimeHarness _harness = new();

    private ProcessRuntime Runtime => _harness.Runtime;

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task Namespaces_Container_SeesPodHostnameAndOnlyPodProcesses()
    {
        if (!NamespacesOrNote())
        {
            return;
        }

        var (_, id, config) = await _harness.RunAsync("hostname; cat /proc/sys/kernel/hostname; echo pid=$$; ls /proc | grep -c '^[0-9][0-9]*$'", pod: "web-0");
        await _harness.WaitExitedAsync(id);

        var log = await RuntimeHarness.ReadLogAsync(config.LogPath);
        Assert.Equal("stdout F web-0", log[0]);
        Assert.Equal("stdout F web-0", log[1]);
        // The pod init is PID 1; the container's shell comes right after it.
        Assert.True(int.Parse(log[2]["stdout F pid=".Length..]) < 10, log[2]);
        Assert.True(int.Parse(log[3]["stdout F ".Length..]) < 6, $"processes visible: {log[3]}");
    }

    [Fact]
    public async Task Namespaces_TwoContainersOfAPod_ShareThePidNamespace()
    {
        if (!NamespacesOrNote())
        {
            return;
        }

        var (sandbox, _, _) = await _harness.RunAsync("exec sleep 100");
        var second = _harness.Container("ps -e -o pid=,comm=", "second");
        var id = await Runtime.CreateContainerAsync(sandbox.Id, second, CancellationToken.None);
        await Runtime.StartContainerAsync(id, CancellationToken.None);
        await _harness.WaitExitedAsync(id);

        var log = await RuntimeHarness.ReadLogAsync(second.LogPath);
        Assert.Contains(log, l => l.EndsWith(" sleep", StringComparison.Ordinal));
        Assert.Contains(log, l => l.Trim().StartsWith("stdout F 1 ", StringComparison.Ordinal) || l.StartsWith("stdout F       1 ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Namespaces_ReadOnlyMount_VisibleInsideOnlyAndNotWritable()
    {
        if (!NamespacesOrNote())
        {
            return;
        }

        var volume = Directory.CreateDirectory(Path.Combine(_harness.Root, "volume")).FullName;
        await File.WriteAllTextAsync(Path.Combine(volume, "data.txt"), "from the volume\n");
        var target = Path.Combine(_harness.Root, "inside", "vol");
        var writable = Directory.CreateDirectory(Path.Combine(_harness.Root, "scratch")).FullName;
        var writableTarget = Path.Combine(_harness.Root, "inside", "w");
        var (_, id, config) = await _harness.RunAsync(
            $"cat {target}/data.txt; touch {target}/new 2>/dev/null && echo writable || echo read-only; echo x > {writableTarget}/file && echo rw-ok",
            change: c => c with { Mounts = [new Mount(volume, target, ReadOnly: true), new Mount(writable, writableTarget, ReadOnly: false)] });
        await _harness.WaitExitedAsync(id);

        Assert.Equal(["stdout F from the volume", "stdout F read-only", "stdout F rw-ok"], await RuntimeHarness.ReadLogAsync(config.LogPath));
        Assert.False(File.Exists(Path.Combine(target, "data.txt")), "the bind mount leaked into the host's mount namespace");
        Assert.Equal("x\n", await File.ReadAllTextAsync(Path.Combine(writable, "file")));
        Assert.False(File.Exists(Path.Combine(writableTarget, "file")));
    }

    [Fact]
    public async Task Namespaces_FileMountOfARestartedContainer_ReplacesTheEarlierMount()
    {
        if (!NamespacesOrNote())
        {
            return;
        }

        var first = Path.Combine(_harness.Root, "first.conf");
        var second = Path.Combine(_harness.Root, "second.conf");
        await File.WriteAllTextAsync(first, "first\n");
        await File.WriteAllTextAsync(second, "second\n");
        var target = Path.Combine(_harness.Root, "inside", "etc", "app.conf");
        var (sandbox, id, config) = await _harness.RunAsync($"cat {target}", change: c => c with { Mounts = [new Mount(first, target, ReadOnly: false)] });
        await _harness.WaitExitedAsync(id);
        var again = config with { Mounts = [new Mount(second, target, ReadOnly: true)], LogPath = config.LogPath + ".1" };
        var restarted = await Runtime.CreateContainerAsync(sandbox.Id, again, CancellationToken.None);
        await Runtime.StartContainerAsync(restarted, CancellationToken.None);
        await _harness.WaitExitedAsync(restarted);

        Assert.Equal(["stdout F first"], await RuntimeHarness.ReadLogAsync(config.LogPath));
        Assert.Equal(["stdout F second"], await RuntimeHarness.ReadLogAsync(again.LogPath));
        // The mount point is an empty file made on the host filesystem, the volume only inside.
        Assert.Equal("", await File.ReadAllTextAsync(target));
    }

    [Fact]
    public async Task Namespaces_MountOfAMissingHostPath_StartFailsWithTheReason()
    {
        if (!NamespacesOrNote())
        {
            return;
        }

        var sandbox = await Runtime.RunPodSandboxAsync(RuntimeHarness.Pod(_harness.Root), CancellationToken.None);
        var missing = Path.Combine(_harness.Root, "no-such-volume");
        var config = _harness.Container("echo never") with { Mounts = [new Mount(missing, Path.Combine(_harness.Root, "inside", "v"), ReadOnly: false)] };
        var id = await Runtime.CreateContainerAsync(sandbox.Id, config, CancellationToken.None);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Runtime.StartContainerAsync(id, CancellationToken.None));

        Assert.Contains("mounting volumes failed", error.Message, StringComparison.Ordinal);
        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Namespaces_ExecSync_SeesThePodsMountsAndHostname()
    {
        if (!NamespacesOrNote())
        {
            return;
        }

        var volume = Directory.CreateDirectory(Path.Combine(_harness.Root, "volume")).FullName;
        await File.WriteAllTextAsync(Path.Combine(volume, "data.txt"), "mounted\n");
        var target = Path.Combine(_harness.Root, "inside", "vol");
        var (_, id, _) = await _harness.RunAsync("exec sleep 100", pod: "exec-ns", change: c => c with { Mounts = [new Mount(volume, target, ReadOnly: true)] });

        var result = await Runtime.ExecSyncAsync(id, ["sh", "-c", $"cat {target}/data.txt; hostname"], TimeSpan.FromSeconds(20), CancellationToken.None);

        Assert.Equal("mounted\nexec-ns\n", System.Text.Encoding.UTF8.GetString(result.Stdout));
    }

    [Fact]
    public async Task Cgroups_MemoryLimitExceeded_OomKilled()
    {
        if (!Runtime.CgroupsEnabled)
        {
            output.WriteLine("cgroups are not available here (not root, or no cgroup v1 memory controller): nothing to test");
            return;
        }

        var (_, id, _) = await _harness.RunAsync("exec perl -e '$x = \"a\" x (256 * 1024 * 1024); print length $x'",
            change: c => c with { Resources = new ContainerResources(250, 500, 32 * 1024 * 1024) });

        var status = await _harness.WaitExitedAsync(id);

        Assert.Equal(137, status.ExitCode);
        Assert.Equal("OOMKilled", status.Reason);
    }

    [Fact]
    public async Task Cgroups_CpuLimitAndRequest_WrittenAsQuotaAndShares()
    {
        if (!Runtime.CgroupsEnabled)
        {
            output.WriteLine("cgroups are not available here: nothing to test");
            return;
        }

        var (_, id, _) = await _harness.RunAsync("exec sleep 100", change: c => c with { Resources = new ContainerResources(250, 500, 64 * 1024 * 1024) });

        var record = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_harness.Options.StateDirectory, "containers", id, "container.json")));
        var dirs = record.RootElement.GetProperty("CgroupDirs").EnumerateArray().Select(e => e.GetString()!).ToList();
        var cpu = dirs.Single(d => File.Exists(Path.Combine(d, "cpu.shares")));
        var memory = dirs.Single(d => File.Exists(Path.Combine(d, "memory.limit_in_bytes")));
        Assert.Equal("50000", (await File.ReadAllTextAsync(Path.Combine(cpu, "cpu.cfs_quota_us"))).Trim());
        Assert.Equal("256", (await File.ReadAllTextAsync(Path.Combine(cpu, "cpu.shares"))).Trim());
        Assert.Equal((64 * 1024 * 1024).ToString(), (await File.ReadAllTextAsync(Path.Combine(memory, "memory.limit_in_bytes"))).Trim());
        var pid = (await File.ReadAllTextAsync(Path.Combine(_harness.Options.StateDirectory, "containers", id, "pid"))).Split(' ')[2].Trim();
        Assert.Contains(pid, await File.ReadAllLinesAsync(Path.Combine(memory, "cgroup.procs")));
    }

    [Fact]
    public async Task Namespaces_PodInitKilled_SandboxNotReadyAndContainersExited()
    {
        if (!NamespacesOrNote())
        {
            return;
        }

        var (sandbox, id, _) = await _harness.RunAsync("exec sleep 100");
        var init = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_harness.Options.StateDirectory, "sandboxes", sandbox.Id, "sandbox.json")))
            .RootElement.GetProperty("InitPid").GetInt32();

        Libc.kill(init, Libc.SIGKILL);

        Assert.Equal(137, (await _harness.WaitExitedAsync(id)).ExitCode);
        Assert.Equal(SandboxState.NotReady, (await Runtime.ListPodSandboxesAsync(CancellationToken.None)).Single().State);
        var next = await Runtime.CreateContainerAsync(sandbox.Id, _harness.Container("true", "next"), CancellationToken.None);
        await Assert.ThrowsAsync<InvalidOperationException>(() => Runtime.StartContainerAsync(next, CancellationToken.None));
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
