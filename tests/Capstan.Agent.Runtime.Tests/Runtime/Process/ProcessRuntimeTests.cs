using System.Collections.Concurrent;
using Capstan.Agent.Runtime;
using Capstan.Agent.Runtime.Process;

namespace Capstan.Agent.Runtime.Tests.Runtime.Process;

public sealed class ProcessRuntimeTests : IDisposable
{
    private readonly RuntimeHarness _harness = new();

    private ProcessRuntime Runtime => _harness.Runtime;

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task StartContainer_ShellCommand_WritesCriLogAndExitCode()
    {
        var (_, id, config) = await _harness.RunAsync("echo hello; echo oops >&2; echo world; exit 3");

        var status = await _harness.WaitExitedAsync(id);

        Assert.Equal(3, status.ExitCode);
        Assert.Equal("Error", status.Reason);
        Assert.NotNull(status.StartedAt);
        Assert.NotNull(status.FinishedAt);
        var log = await RuntimeHarness.ReadLogAsync(config.LogPath);
        Assert.Equal(["stdout F hello", "stdout F world"], log.Where(l => l.StartsWith("stdout", StringComparison.Ordinal)));
        Assert.Contains("stderr F oops", log);
    }

    [Fact]
    public async Task StartContainer_ExitZero_ReasonCompleted()
    {
        var (_, id, _) = await _harness.RunAsync("true");

        var status = await _harness.WaitExitedAsync(id);

        Assert.Equal(0, status.ExitCode);
        Assert.Equal("Completed", status.Reason);
    }

    [Fact]
    public async Task StartContainer_LongAndUnterminatedLines_WrittenAsPartials()
    {
        var (_, id, config) = await _harness.RunAsync("head -c 20000 /dev/zero | tr '\\0' x; echo; printf tail");
        await _harness.WaitExitedAsync(id);

        var log = await RuntimeHarness.ReadLogAsync(config.LogPath);

        Assert.Equal(3, log.Count);
        Assert.Equal("stdout P " + new string('x', 16384), log[0]);
        Assert.Equal("stdout F " + new string('x', 20000 - 16384), log[1]);
        Assert.Equal("stdout P tail", log[2]);
    }

    [Fact]
    public async Task StartContainer_MissingCommand_FailsWithStartError()
    {
        var sandbox = await Runtime.RunPodSandboxAsync(RuntimeHarness.Pod(_harness.Root), CancellationToken.None);
        var config = _harness.Container("") with { Argv = ["/no/such/binary"] };
        var id = await Runtime.CreateContainerAsync(sandbox.Id, config, CancellationToken.None);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Runtime.StartContainerAsync(id, CancellationToken.None));

        Assert.Contains("/no/such/binary", error.Message);
        var status = await _harness.WaitExitedAsync(id);
        Assert.Equal(128, status.ExitCode);
        Assert.Equal("StartError", status.Reason);
    }

    [Fact]
    public async Task ContainerChanged_ProcessExits_RaisesStartedThenExited()
    {
        var events = new ConcurrentQueue<ContainerEvent>();
        Runtime.ContainerChanged += (_, e) => events.Enqueue(e);

        var (sandbox, id, _) = await _harness.RunAsync("sleep 0.2; exit 5");
        await _harness.WaitExitedAsync(id);
        for (var i = 0; i < 100 && events.Count < 2; i++)
        {
            await Task.Delay(20);
        }

        Assert.Equal([ContainerEventKind.Started, ContainerEventKind.Exited], events.Where(e => e.ContainerId == id).Select(e => e.Kind));
        Assert.All(events, e => Assert.Equal(sandbox.Id, e.SandboxId));
        Assert.Equal("c", events.First().Labels["container"]);
    }

    [Fact]
    public async Task StopContainer_TermHonoured_ExitsWithTrapCode()
    {
        var (_, id, config) = await _harness.RunAsync("trap 'echo bye; exit 7' TERM; echo up; while :; do sleep 0.05; done");
        await WaitForLogAsync(config.LogPath, "up");

        await Runtime.StopContainerAsync(id, TimeSpan.FromSeconds(20), CancellationToken.None);

        var status = await Runtime.ContainerStatusAsync(id, CancellationToken.None);
        Assert.Equal(ContainerState.Exited, status!.State);
        Assert.Equal(7, status.ExitCode);
        Assert.Contains("stdout F bye", await RuntimeHarness.ReadLogAsync(config.LogPath));
    }

    [Fact]
    public async Task StopContainer_NoTrap_ExitCode143()
    {
        var (_, id, _) = await _harness.RunAsync("exec sleep 100");

        await Runtime.StopContainerAsync(id, TimeSpan.FromSeconds(20), CancellationToken.None);

        var status = await Runtime.ContainerStatusAsync(id, CancellationToken.None);
        Assert.Equal(143, status!.ExitCode);
        Assert.Equal("Error", status.Reason);
    }

    [Fact]
    public async Task StopContainer_TermIgnored_KilledAfterGrace()
    {
        var (_, id, config) = await _harness.RunAsync("trap '' TERM; echo up; while :; do sleep 0.05; done");
        await WaitForLogAsync(config.LogPath, "up");

        await Runtime.StopContainerAsync(id, TimeSpan.FromMilliseconds(300), CancellationToken.None);

        var status = await Runtime.ContainerStatusAsync(id, CancellationToken.None);
        Assert.Equal(137, status!.ExitCode);
    }

    [Fact]
    public async Task StartContainer_EnvAndWorkingDir_ExactlyAsConfigured()
    {
        Environment.SetEnvironmentVariable("CAPSTAN_AGENT_ONLY", "leak");
        var dir = Directory.CreateDirectory(Path.Combine(_harness.Root, "work")).FullName;

        var (_, id, config) = await _harness.RunAsync("pwd; env", change: c => c with { Env = [new("FOO", "bar baz"), new("EMPTY", "")], WorkingDir = dir });
        await _harness.WaitExitedAsync(id);

        var log = await RuntimeHarness.ReadLogAsync(config.LogPath);
        Assert.Equal("stdout F " + dir, log[0]);
        Assert.Contains("stdout F FOO=bar baz", log);
        Assert.Contains("stdout F EMPTY=", log);
        Assert.Contains("stdout F PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", log);
        Assert.Contains("stdout F HOSTNAME=pod", log);
        Assert.Contains(log, l => l.StartsWith("stdout F POD_IP=127.", StringComparison.Ordinal));
        Assert.DoesNotContain(log, l => l.Contains("CAPSTAN_AGENT_ONLY", StringComparison.Ordinal));
    }

    [Fact]
    public async Task StartContainer_MissingWorkingDir_CreatedAsRuncDoes()
    {
        var dir = Path.Combine(_harness.Root, "not", "yet");

        var (_, id, config) = await _harness.RunAsync("pwd", change: c => c with { WorkingDir = dir });
        await _harness.WaitExitedAsync(id);

        Assert.Equal(["stdout F " + dir], await RuntimeHarness.ReadLogAsync(config.LogPath));
    }

    [Fact]
    public async Task RunPodSandbox_TwoPods_DifferentIpsAndOneConnectsToTheOther()
    {
        const string Server = """exec perl -MIO::Socket::INET -e '$s = IO::Socket::INET->new(LocalAddr => "$ENV{POD_IP}:8080", Listen => 5, ReuseAddr => 1) or die "bind: $!"; print "listening\n"; $| = 1; $c = $s->accept; print $c "hello from $ENV{POD_IP}\n"; close $c'""";
        var a = await Runtime.RunPodSandboxAsync(RuntimeHarness.Pod(_harness.Root, "a"), CancellationToken.None);
        var b = await Runtime.RunPodSandboxAsync(RuntimeHarness.Pod(_harness.Root, "b"), CancellationToken.None);
        Assert.NotEqual(a.Ip, b.Ip);
        Assert.StartsWith(_harness.Options.PodCidr[..^6], a.Ip, StringComparison.Ordinal);

        var server = _harness.Container(Server, "server", env: [new("POD_IP", a.Ip)]);
        var serverId = await Runtime.CreateContainerAsync(a.Id, server, CancellationToken.None);
        await Runtime.StartContainerAsync(serverId, CancellationToken.None);
        await WaitForLogAsync(server.LogPath, "listening");
        var client = _harness.Container($$"""exec perl -MIO::Socket::INET -e '$c = IO::Socket::INET->new(PeerAddr => "{{a.Ip}}:8080") or die "connect: $!"; print scalar <$c>'""", "client");
        var clientId = await Runtime.CreateContainerAsync(b.Id, client, CancellationToken.None);
        await Runtime.StartContainerAsync(clientId, CancellationToken.None);

        Assert.Equal(0, (await _harness.WaitExitedAsync(clientId)).ExitCode);
        Assert.Contains($"stdout F hello from {a.Ip}", await RuntimeHarness.ReadLogAsync(client.LogPath));
    }

    [Fact]
    public async Task RunPodSandbox_SameUidAndAttempt_ReturnsTheSameSandbox()
    {
        var config = RuntimeHarness.Pod(_harness.Root);

        var first = await Runtime.RunPodSandboxAsync(config, CancellationToken.None);
        var second = await Runtime.RunPodSandboxAsync(config, CancellationToken.None);

        Assert.Equal(first.Id, second.Id);
        Assert.Single(await Runtime.ListPodSandboxesAsync(CancellationToken.None));
    }

    [Fact]
    public async Task StopPodSandbox_RunningContainer_KilledAndIpReleased()
    {
        var (sandbox, id, _) = await _harness.RunAsync("trap '' TERM; sleep 100");

        await Runtime.StopPodSandboxAsync(sandbox.Id, CancellationToken.None);

        var status = await Runtime.ContainerStatusAsync(id, CancellationToken.None);
        Assert.Equal(ContainerState.Exited, status!.State);
        Assert.Equal(137, status.ExitCode);
        Assert.Equal(SandboxState.NotReady, (await Runtime.ListPodSandboxesAsync(CancellationToken.None)).Single().State);
        await Runtime.RemovePodSandboxAsync(sandbox.Id, CancellationToken.None);
        Assert.Empty(await Runtime.ListPodSandboxesAsync(CancellationToken.None));
        Assert.Empty(await Runtime.ListContainersAsync(null, CancellationToken.None));
    }

    [Fact]
    public async Task NewRuntime_AfterAgentDeath_ReadoptsRunningContainerAndSeesItsExitCode()
    {
        var go = Path.Combine(_harness.Root, "go");
        var (sandbox, id, _) = await _harness.RunAsync($"while [ ! -e {go} ]; do sleep 0.02; done; exit 42",
            change: c => c with { Env = [new("KEPT", "yes")], Resources = new ContainerResources(100, 200, 256 * 1024 * 1024) });
        _harness.Runtime.Dispose();

        var second = _harness.Open();
        var events = new ConcurrentQueue<ContainerEvent>();
        second.ContainerChanged += (_, e) => events.Enqueue(e);
        var status = await second.ContainerStatusAsync(id, CancellationToken.None);
        Assert.Equal(ContainerState.Running, status!.State);
        Assert.Equal(sandbox.Ip, (await second.ListPodSandboxesAsync(CancellationToken.None)).Single().Ip);
        var exec = await second.ExecSyncAsync(id, ["sh", "-c", "echo $KEPT"], TimeSpan.FromSeconds(20), CancellationToken.None);
        Assert.Equal("yes\n", System.Text.Encoding.UTF8.GetString(exec.Stdout));
        await File.WriteAllTextAsync(go, "");

        status = await _harness.WaitExitedAsync(id, second);
        Assert.Equal(42, status.ExitCode);
        for (var i = 0; i < 100 && events.IsEmpty; i++)
        {
            await Task.Delay(20);
        }

        Assert.Contains(events, e => e.Kind == ContainerEventKind.Exited && e.ContainerId == id);
    }

    [Fact]
    public async Task NewRuntime_ShimKilled_ContainerReportedExited()
    {
        var (_, id, _) = await _harness.RunAsync("sleep 100");
        var pid = File.ReadAllText(Path.Combine(_harness.Options.StateDirectory, "containers", id, "pid")).Split(' ');
        Libc.kill(int.Parse(pid[0]), Libc.SIGKILL);

        var status = await _harness.WaitExitedAsync(id);

        Assert.Equal(137, status.ExitCode);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task NewRuntime_DeadContainersPidReused_StoppingThePodLeavesTheNewHolderAlone(bool pidFileHasStartTime)
    {
        // The machine's view after its agent, the shim and the container died while no agent ran, and the host (pid_max
        // 32768) handed the container's pid to an unrelated process: the pid file now names a stranger.
        var (sandbox, id, _) = await _harness.RunAsync("sleep 100");
        _harness.Runtime.Dispose();
        var pidFile = Path.Combine(_harness.Options.StateDirectory, "containers", id, "pid");
        var fields = File.ReadAllText(pidFile).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(4, fields.Length);
        Libc.kill(int.Parse(fields[0]), Libc.SIGKILL);
        Libc.kill(int.Parse(fields[2]), Libc.SIGKILL);

        // SIGKILL takes effect when the process next leaves the kernel (a loaded machine can hold it in a disk wait): only a
        // gone shim lets the pid be handed on, which is what this simulates.
        for (var i = 0; i < 500 && (ProcStat.StartTime(int.Parse(fields[0])) is not null || ProcStat.StartTime(int.Parse(fields[2])) is not null); i++)
        {
            await Task.Delay(20);
        }

        using var stranger = System.Diagnostics.Process.Start("sleep", "100");
        try
        {
            var reused = pidFileHasStartTime ? $"{fields[0]} {fields[1]} {stranger.Id} {fields[3]}" : $"{fields[0]} {fields[1]} {stranger.Id}";
            File.WriteAllText(pidFile, reused + "\n");

            var second = _harness.Open();
            await second.StopPodSandboxAsync(sandbox.Id, CancellationToken.None);
            await second.RemovePodSandboxAsync(sandbox.Id, CancellationToken.None);

            Assert.False(stranger.WaitForExit(TimeSpan.FromMilliseconds(300)), "stopping the dead container's pod killed the process that reused its pid");
        }
        finally
        {
            stranger.Kill();
        }
    }

    [Fact]
    public async Task NewRuntime_AfterRestart_KeepsIpsOfLiveSandboxes()
    {
        var first = await Runtime.RunPodSandboxAsync(RuntimeHarness.Pod(_harness.Root, "a"), CancellationToken.None);
        _harness.Runtime.Dispose();

        var second = _harness.Open();
        var next = await second.RunPodSandboxAsync(RuntimeHarness.Pod(_harness.Root, "b"), CancellationToken.None);

        Assert.NotEqual(first.Ip, next.Ip);
    }

    [Fact]
    public async Task StartContainer_SmallLogLimit_RotatesAndKeepsMaxFiles()
    {
        using var harness = new RuntimeHarness(o => o with { MaxLogFileBytes = 2000, MaxLogFiles = 3 });
        var (_, id, config) = await harness.RunAsync("i=0; while [ $i -lt 300 ]; do echo line-$i; i=$((i+1)); done");
        await harness.WaitExitedAsync(id);

        var files = Directory.GetFiles(Path.GetDirectoryName(config.LogPath)!);

        Assert.Equal(3, files.Length);
        Assert.All(files, f => Assert.True(new FileInfo(f).Length <= 2000, $"{f} has {new FileInfo(f).Length} bytes"));
        Assert.Equal("stdout F line-299", (await RuntimeHarness.ReadLogAsync(config.LogPath))[^1]);
    }

    [Fact]
    public async Task StartContainer_MainProcessExits_BackgroundChildrenKilled()
    {
        var marker = Path.Combine(_harness.Root, "child-survived");
        var (_, id, _) = await _harness.RunAsync($"(sleep 1; touch {marker}) & exit 0");

        await _harness.WaitExitedAsync(id);
        await Task.Delay(1500);

        Assert.False(File.Exists(marker), "a background child outlived its container");
    }

    internal static async Task WaitForLogAsync(string path, string content)
    {
        for (var i = 0; i < 1500; i++)
        {
            if (File.Exists(path) && (await File.ReadAllTextAsync(path)).Contains(content, StringComparison.Ordinal))
            {
                return;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"'{content}' did not appear in {path}");
    }
}
