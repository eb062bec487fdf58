using System.Net.Http;
using System.Text;
using Capstan.Agent.Runtime;
using Capstan.Agent.Runtime.Cri;

namespace Capstan.Agent.Cri.Tests;

[Trait("Category", "Slow")]
[Trait("Category", "Cri")]
public sealed class CriRuntimeTests(ContainerdFixture containerd) : IClassFixture<ContainerdFixture>, IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly CancellationTokenSource _cts = new(TimeSpan.FromMinutes(3));
    private readonly List<CriRuntime> _runtimes = [];

    private CancellationToken Ct => _cts.Token;

    public void Dispose()
    {
        foreach (var runtime in _runtimes)
        {
            runtime.Dispose();
        }

        _cts.Dispose();
    }

    [CriFact]
    public async Task ConnectAsync_Containerd_ReportsRuntimeNameAndVersion()
    {
        var runtime = NewRuntime();

        var (name, version, api) = await runtime.ConnectAsync(Ct);

        Assert.Equal("containerd", name);
        Assert.False(string.IsNullOrEmpty(version));
        Assert.Equal("v1", api);
        Assert.Equal("containerd", runtime.Name);
        var conditions = await runtime.StatusAsync(Ct);
        Assert.Contains(conditions, c => c is { Type: "RuntimeReady", Status: true });
        Assert.Contains(conditions, c => c is { Type: "NetworkReady", Status: true });
    }

    [CriFact]
    public async Task RunPodSandboxAsync_BridgeCni_GetsPodIpAndIsIdempotent()
    {
        var runtime = NewRuntime();
        var config = SandboxConfig("sandbox-ip");

        var sandbox = await runtime.RunPodSandboxAsync(config, Ct);
        var again = await runtime.RunPodSandboxAsync(config, Ct);

        Assert.StartsWith("10.88.", sandbox.Ip);
        Assert.Equal(SandboxState.Ready, sandbox.State);
        Assert.Equal(sandbox.Id, again.Id);
        var listed = Assert.Single(await runtime.ListPodSandboxesAsync(Ct), s => s.Id == sandbox.Id);
        Assert.Equal(sandbox.Ip, listed.Ip);
        Assert.Equal(config.Uid, listed.Uid);
        Assert.Equal("sandbox-ip", listed.Labels["test"]);
    }

    [CriFact]
    public async Task StartContainerAsync_Httpd_ServesOnPodIpFromHost()
    {
        var runtime = NewRuntime();
        var config = SandboxConfig("httpd");
        var sandbox = await runtime.RunPodSandboxAsync(config, Ct);
        // As the agent does after a pull: the container names the image by the id the image service resolved.
        var image = await runtime.Images.ImageStatusAsync(ContainerdFixture.BusyboxImage, Ct);
        var id = await runtime.CreateContainerAsync(sandbox.Id, Container(config, "web", [
            "sh", "-c", "echo hello-from-pod > /tmp/index.html && exec httpd -f -p 8080 -h /tmp"]) with { ImageRef = image!.Id }, Ct);
        await runtime.StartContainerAsync(id, Ct);

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var body = await EventuallyAsync(async () =>
        {
            try
            {
                return await http.GetStringAsync($"http://{sandbox.Ip}:8080/index.html", Ct);
            }
            catch (HttpRequestException)
            {
                return null;
            }
        });

        Assert.Equal("hello-from-pod\n", body);
        var status = await runtime.ContainerStatusAsync(id, Ct);
        Assert.NotNull(status);
        Assert.Equal(ContainerState.Running, status.State);
        Assert.Equal(sandbox.Id, status.SandboxId);
        Assert.StartsWith("sha256:", status.ImageRef);
        Assert.Equal(ContainerdFixture.BusyboxImage, status.Image);
    }

    [CriFact]
    public async Task ContainerStatusAsync_ExitCode_ReportsCodeReasonAndRaisesEvents()
    {
        var runtime = NewRuntime();
        var events = new System.Collections.Concurrent.ConcurrentQueue<ContainerEvent>();
        runtime.ContainerChanged += (_, e) => events.Enqueue(e);
        var config = SandboxConfig("exit");
        var sandbox = await runtime.RunPodSandboxAsync(config, Ct);
        var failing = await runtime.CreateContainerAsync(sandbox.Id, Container(config, "fail", ["sh", "-c", "exit 3"]), Ct);
        var ok = await runtime.CreateContainerAsync(sandbox.Id, Container(config, "ok", ["true"]), Ct);

        await runtime.StartContainerAsync(failing, Ct);
        await runtime.StartContainerAsync(ok, Ct);
        var failed = await WaitExitedAsync(runtime, failing);
        var completed = await WaitExitedAsync(runtime, ok);

        Assert.Equal(3, failed.ExitCode);
        Assert.Equal("Error", failed.Reason);
        Assert.NotNull(failed.FinishedAt);
        Assert.Equal(0, completed.ExitCode);
        Assert.Equal("Completed", completed.Reason);
        await EventuallyAsync(() => Task.FromResult<object?>(
            events.Any(e => e.ContainerId == failing && e.Kind == ContainerEventKind.Exited) ? "" : null));
        Assert.Contains(events, e => e.ContainerId == failing && e.Kind == ContainerEventKind.Started && e.Labels["container"] == "fail");
    }

    [CriFact]
    public async Task ContainerStatusAsync_OverMemoryLimit_OOMKilled()
    {
        var runtime = NewRuntime();
        var config = SandboxConfig("oom");
        var sandbox = await runtime.RunPodSandboxAsync(config, Ct);
        var id = await runtime.CreateContainerAsync(sandbox.Id, Container(config, "hog", ["sh", "-c", "x=aaaaaaaaaaaaaaaa; while :; do x=$x$x; done"]) with
        {
            Resources = new ContainerResources(100, 500, 32 * 1024 * 1024),
        }, Ct);

        await runtime.StartContainerAsync(id, Ct);
        var status = await WaitExitedAsync(runtime, id);

        Assert.Equal("OOMKilled", status.Reason);
        Assert.Equal(137, status.ExitCode);
    }

    [CriFact]
    public async Task ExecSyncAsync_RunningContainer_CollectsOutputAndExitCode()
    {
        var runtime = NewRuntime();
        var (_, id) = await RunSleeperAsync(runtime, "execsync");

        var result = await runtime.ExecSyncAsync(id, ["sh", "-c", "echo out; echo err >&2; exit 4"], TimeSpan.FromSeconds(10), Ct);
        var timedOut = await runtime.ExecSyncAsync(id, ["sleep", "30"], TimeSpan.FromSeconds(1), Ct);

        Assert.Equal(4, result.ExitCode);
        Assert.Equal("out\n", Encoding.UTF8.GetString(result.Stdout));
        Assert.Equal("err\n", Encoding.UTF8.GetString(result.Stderr));
        Assert.False(result.TimedOut);
        Assert.True(timedOut.TimedOut);
    }

    [CriFact]
    public async Task ExecAsync_Interactive_StreamsStdinAndStdoutAndExitCode()
    {
        var runtime = NewRuntime();
        var (_, id) = await RunSleeperAsync(runtime, "exec");

        await using var session = await runtime.ExecAsync(id, new ExecRequest(["sh", "-c", "read line; echo got-$line; echo oops >&2; exit 5"], true, true, true, false), Ct);
        await session.Stdin!.WriteAsync(Encoding.UTF8.GetBytes("ping\n"), Ct);
        var stdout = await new StreamReader(session.Stdout!).ReadToEndAsync(Ct);
        var stderr = await new StreamReader(session.Stderr!).ReadToEndAsync(Ct);
        var code = await session.Completion.WaitAsync(Ct);

        Assert.Equal("got-ping\n", stdout);
        Assert.Equal("oops\n", stderr);
        Assert.Equal(5, code);
    }

    [CriFact]
    public async Task ExecAsync_StdinClosed_CatEchoesInputAndExitsZero()
    {
        var runtime = NewRuntime();
        var (_, id) = await RunSleeperAsync(runtime, "exec-eof");

        await using var session = await runtime.ExecAsync(id, new ExecRequest(["cat"], true, true, true, false), Ct);
        var reading = new StreamReader(session.Stdout!).ReadToEndAsync(Ct);
        await session.Stdin!.WriteAsync(Encoding.UTF8.GetBytes("line one\nline two\n"), Ct);
        await session.Stdin.DisposeAsync();
        var stdout = await reading;
        var code = await session.Completion.WaitAsync(Ct);

        Assert.Equal("line one\nline two\n", stdout);
        Assert.Equal(0, code);
    }

    [CriFact]
    public async Task ExecAsync_MebibyteStdin_WcCountsEveryByte()
    {
        var runtime = NewRuntime();
        var (_, id) = await RunSleeperAsync(runtime, "exec-wc");
        var input = new byte[1024 * 1024];
        new Random(7).NextBytes(input);

        await using var session = await runtime.ExecAsync(id, new ExecRequest(["sh", "-c", "wc -c"], true, true, true, false), Ct);
        var reading = new StreamReader(session.Stdout!).ReadToEndAsync(Ct);
        await session.Stdin!.WriteAsync(input, Ct);
        await session.Stdin.DisposeAsync();
        var stdout = await reading;
        var code = await session.Completion.WaitAsync(Ct);

        Assert.Equal("1048576", stdout.Trim());
        Assert.Equal(0, code);
    }

    [CriFact]
    public async Task ExecAsync_MebibyteThroughCat_ComesBackIntact()
    {
        var runtime = NewRuntime();
        var (_, id) = await RunSleeperAsync(runtime, "exec-roundtrip");
        var input = new byte[1024 * 1024];
        new Random(11).NextBytes(input);

        await using var session = await runtime.ExecAsync(id, new ExecRequest(["cat"], true, true, true, false), Ct);
        var output = new MemoryStream();
        var reading = session.Stdout!.CopyToAsync(output, Ct);
        await session.Stdin!.WriteAsync(input, Ct);
        await session.Stdin.DisposeAsync();
        await reading;
        var code = await session.Completion.WaitAsync(Ct);

        Assert.Equal(input, output.ToArray());
        Assert.Equal(0, code);
    }

    [CriFact]
    public async Task DisposeAsync_StdinStillOpen_EndsSession()
    {
        var runtime = NewRuntime();
        var (_, id) = await RunSleeperAsync(runtime, "exec-dispose");

        var session = await runtime.ExecAsync(id, new ExecRequest(["cat"], true, true, true, false), Ct);
        await session.Stdin!.WriteAsync(Encoding.UTF8.GetBytes("partial"), Ct);
        await session.DisposeAsync();
        await session.Completion.WaitAsync(Ct);
        var after = await runtime.ExecSyncAsync(id, ["echo", "alive"], TimeSpan.FromSeconds(10), Ct);

        Assert.Equal("alive\n", Encoding.UTF8.GetString(after.Stdout));
    }

    [CriFact]
    public async Task ExecAsync_StdinClosedThenExit_PropagatesExitCode()
    {
        var runtime = NewRuntime();
        var (_, id) = await RunSleeperAsync(runtime, "exec-code");

        await using var session = await runtime.ExecAsync(id, new ExecRequest(["sh", "-c", "cat >/dev/null; echo done >&2; exit 7"], true, true, true, false), Ct);
        await session.Stdin!.WriteAsync(Encoding.UTF8.GetBytes("ignored"), Ct);
        await session.Stdin.DisposeAsync();
        var stderr = await new StreamReader(session.Stderr!).ReadToEndAsync(Ct);
        var code = await session.Completion.WaitAsync(Ct);

        Assert.Equal("done\n", stderr);
        Assert.Equal(7, code);
    }

    [CriFact]
    public async Task ExecAsync_Tty_RunsInTerminalAndReportsExitCode()
    {
        var runtime = NewRuntime();
        var (_, id) = await RunSleeperAsync(runtime, "exec-tty");

        await using var session = await runtime.ExecAsync(id, new ExecRequest(["sh", "-c", "[ -t 0 ] && echo is-tty; read line; echo got-$line; exit 3"], true, true, false, true), Ct);
        session.Resize(100, 40);
        await session.Stdin!.WriteAsync(Encoding.UTF8.GetBytes("pong\n"), Ct);
        var stdout = await new StreamReader(session.Stdout!).ReadToEndAsync(Ct);
        var code = await session.Completion.WaitAsync(Ct);

        Assert.Null(session.Stderr);
        Assert.Contains("is-tty", stdout, StringComparison.Ordinal);
        Assert.Contains("got-pong", stdout, StringComparison.Ordinal);
        Assert.Equal(3, code);
    }

    [CriFact]
    public async Task ExecAsync_WithoutStdin_StreamsOutputAndExitCode()
    {
        var runtime = NewRuntime();
        var (_, id) = await RunSleeperAsync(runtime, "exec-nostdin");

        await using var session = await runtime.ExecAsync(id, new ExecRequest(["sh", "-c", "echo hi; exit 2"], false, true, true, false), Ct);
        var stdout = await new StreamReader(session.Stdout!).ReadToEndAsync(Ct);
        var code = await session.Completion.WaitAsync(Ct);

        Assert.Null(session.Stdin);
        Assert.Equal("hi\n", stdout);
        Assert.Equal(2, code);
    }

    [CriFact]
    public async Task CreateContainerAsync_Output_LandsInCriLogFileAtLogPath()
    {
        var runtime = NewRuntime();
        var config = SandboxConfig("logs");
        var sandbox = await runtime.RunPodSandboxAsync(config, Ct);
        var container = Container(config, "talker", ["sh", "-c", "echo to-stdout; echo to-stderr >&2"]);
        var id = await runtime.CreateContainerAsync(sandbox.Id, container, Ct);

        await runtime.StartContainerAsync(id, Ct);
        var status = await WaitExitedAsync(runtime, id);

        Assert.Equal(container.LogPath, status.LogPath);
        var lines = await File.ReadAllLinesAsync(container.LogPath, Ct);
        Assert.Contains(lines, l => l.EndsWith(" stdout F to-stdout", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.EndsWith(" stderr F to-stderr", StringComparison.Ordinal));
    }

    [CriFact]
    public async Task ListContainersAsync_NewRuntimeInstance_ReadoptsRunningContainers()
    {
        var first = NewRuntime();
        var (sandbox, id) = await RunSleeperAsync(first, "readopt");
        first.Dispose();
        _runtimes.Remove(first);

        var second = NewRuntime();
        var containers = await second.ListContainersAsync(sandbox.Id, Ct);
        var sandboxes = await second.ListPodSandboxesAsync(Ct);
        var result = await second.ExecSyncAsync(id, ["echo", "still-here"], TimeSpan.FromSeconds(10), Ct);
        // A container created after the restart needs the sandbox config, read back from the sandbox's annotations.
        var config = SandboxConfig("readopt") with { Uid = sandbox.Uid };
        var late = await second.CreateContainerAsync(sandbox.Id, Container(config, "late", ["true"]), Ct);

        var running = Assert.Single(containers);
        Assert.Equal(id, running.Id);
        Assert.Equal(ContainerState.Running, running.State);
        Assert.Equal(sandbox.Ip, Assert.Single(sandboxes, s => s.Id == sandbox.Id).Ip);
        Assert.Equal("still-here\n", Encoding.UTF8.GetString(result.Stdout));
        Assert.False(string.IsNullOrEmpty(late));
    }

    [CriFact]
    public async Task Images_StatusAndPullOfMissingImage_ReportsPresentAndThrowsImagePullException()
    {
        var runtime = NewRuntime();

        // Through the seam, as the agent sees it: the default interface member is overridden.
        var images = ((IContainerRuntime)runtime).Images;
        Assert.Same(runtime.Images, images);

        var present = await runtime.Images.ImageStatusAsync(ContainerdFixture.BusyboxImage, Ct);
        var missing = await runtime.Images.ImageStatusAsync("capstan.io/missing:1", Ct);
        var all = await runtime.Images.ListImagesAsync(Ct);
        // containerd sums the snapshots' usage in the background (every 10 s in 1.6): a fresh daemon reports 0 until then.
        var fs = await runtime.Images.ImageFsUsageAsync(Ct);
        for (var tries = 0; fs.UsedBytes == 0 && tries < 60; tries++)
        {
            await Task.Delay(500, Ct);
            fs = await runtime.Images.ImageFsUsageAsync(Ct);
        }

        Assert.NotNull(present);
        Assert.StartsWith("sha256:", present.Id);
        Assert.Contains(ContainerdFixture.BusyboxImage, present.RepoTags);
        Assert.Null(missing);
        Assert.Contains(all, i => i.RepoTags.Contains(ContainerdFixture.PauseImage));
        Assert.True(fs.UsedBytes > 0);
        // A registry on loopback that does not exist: refused at once, nothing leaves the machine.
        await Assert.ThrowsAsync<ImagePullException>(() => runtime.Images.PullImageAsync("127.0.0.1:1/nothing:1", null, Ct));
    }

    [CriFact]
    public async Task CreateContainerAsync_ReadOnlyRootFilesystem_CannotWriteRoot()
    {
        var runtime = NewRuntime();
        var config = SandboxConfig("readonly");
        var sandbox = await runtime.RunPodSandboxAsync(config, Ct);
        var id = await runtime.CreateContainerAsync(sandbox.Id, Container(config, "ro", ["sh", "-c", "touch /file"]) with
        {
            Security = new ContainerSecurity { ReadOnlyRootFilesystem = true, RunAsUser = 65534, AllowPrivilegeEscalation = false, CapabilitiesDrop = ["ALL"] },
        }, Ct);

        await runtime.StartContainerAsync(id, Ct);
        var status = await WaitExitedAsync(runtime, id);

        Assert.NotEqual(0, status.ExitCode);
        var log = await File.ReadAllTextAsync(status.LogPath, Ct);
        Assert.Contains("Read-only file system", log);
    }

    [CriFact]
    public async Task ListContainerStatsAsync_RunningContainer_ReportsCpuAndMemory()
    {
        var runtime = NewRuntime();
        var (sandbox, id) = await RunSleeperAsync(runtime, "stats");

        var stats = await EventuallyAsync(async () =>
            (await runtime.ListContainerStatsAsync(sandbox.Id, Ct)).FirstOrDefault(s => s.ContainerId == id && s.MemoryWorkingSetBytes is not null));
        var one = await runtime.ContainerStatsAsync(id, Ct);

        Assert.True(stats.MemoryWorkingSetBytes > 0);
        Assert.NotNull(stats.CpuUsageCoreNanoSeconds);
        Assert.NotNull(one);
    }

    [CriFact]
    public async Task StopPodSandboxAsync_ThenRemove_ContainersGone()
    {
        var runtime = NewRuntime();
        var (sandbox, id) = await RunSleeperAsync(runtime, "teardown");

        await runtime.StopContainerAsync(id, TimeSpan.FromSeconds(1), Ct);
        var stopped = await runtime.ContainerStatusAsync(id, Ct);
        await runtime.StopPodSandboxAsync(sandbox.Id, Ct);
        await runtime.RemovePodSandboxAsync(sandbox.Id, Ct);

        Assert.Equal(ContainerState.Exited, stopped!.State);
        Assert.Null(await runtime.ContainerStatusAsync(id, Ct));
        Assert.DoesNotContain(await runtime.ListPodSandboxesAsync(Ct), s => s.Id == sandbox.Id);
    }

    [CriFact]
    public async Task AttachAsync_ContainerWithStdin_EchoesInput()
    {
        var runtime = NewRuntime();
        var config = SandboxConfig("attach");
        var sandbox = await runtime.RunPodSandboxAsync(config, Ct);
        var id = await runtime.CreateContainerAsync(sandbox.Id, Container(config, "echo", ["sh", "-c", "while read l; do echo echo-$l; done"]) with
        {
            Stdin = true,
        }, Ct);
        await runtime.StartContainerAsync(id, Ct);

        await using var session = await runtime.AttachAsync(id, tty: false, Ct);
        await session.Stdin!.WriteAsync(Encoding.UTF8.GetBytes("hi\n"), Ct);
        var reader = new StreamReader(session.Stdout!);
        var line = await reader.ReadLineAsync(Ct);

        Assert.Equal("echo-hi", line);
        await session.Stdin.WriteAsync(Encoding.UTF8.GetBytes("bye\n"), Ct);
        Assert.Equal("echo-bye", await reader.ReadLineAsync(Ct));
    }

    [CriFact]
    public async Task AttachAsync_StdinOnceClosed_ContainerSeesEofAndExits()
    {
        var runtime = NewRuntime();
        var config = SandboxConfig("attach-once");
        var sandbox = await runtime.RunPodSandboxAsync(config, Ct);
        var id = await runtime.CreateContainerAsync(sandbox.Id, Container(config, "once", ["sh", "-c", "cat; exit 6"]) with
        {
            Stdin = true,
            StdinOnce = true,
        }, Ct);
        await runtime.StartContainerAsync(id, Ct);

        await using var session = await runtime.AttachAsync(id, tty: false, Ct);
        var reading = new StreamReader(session.Stdout!).ReadToEndAsync(Ct);
        await session.Stdin!.WriteAsync(Encoding.UTF8.GetBytes("only once\n"), Ct);
        await session.Stdin.DisposeAsync();
        var stdout = await reading;
        var code = await session.Completion.WaitAsync(Ct);

        Assert.Equal("only once\n", stdout);
        Assert.Equal(6, code);
    }

    [CriFact]
    public async Task AttachAsync_ContainerExits_CompletesWithExitCode()
    {
        var runtime = NewRuntime();
        var config = SandboxConfig("attach-exit");
        var sandbox = await runtime.RunPodSandboxAsync(config, Ct);
        var id = await runtime.CreateContainerAsync(sandbox.Id, Container(config, "once", ["sh", "-c", "read l; echo got-$l; exit 7"]) with
        {
            Stdin = true,
            StdinOnce = true,
        }, Ct);
        await runtime.StartContainerAsync(id, Ct);

        await using var session = await runtime.AttachAsync(id, tty: false, Ct);
        await session.Stdin!.WriteAsync(Encoding.UTF8.GetBytes("x\n"), Ct);
        var output = await new StreamReader(session.Stdout!).ReadToEndAsync(Ct);
        var code = await session.Completion.WaitAsync(Ct);

        Assert.Equal("got-x\n", output);
        Assert.Equal(7, code);
    }

    [CriFact]
    public async Task RunPodSandboxAsync_DnsConfigAndHostname_AppearInContainer()
    {
        var runtime = NewRuntime();
        var config = SandboxConfig("dns") with
        {
            Dns = new SandboxDns(["10.96.0.10"], ["default.svc.cluster.local", "svc.cluster.local"], ["ndots:5"]),
        };
        var sandbox = await runtime.RunPodSandboxAsync(config, Ct);
        var id = await runtime.CreateContainerAsync(sandbox.Id, Container(config, "sleeper", ["sleep", "3600"]), Ct);
        await runtime.StartContainerAsync(id, Ct);

        var resolv = await runtime.ExecSyncAsync(id, ["cat", "/etc/resolv.conf"], TimeSpan.FromSeconds(10), Ct);
        var hostname = await runtime.ExecSyncAsync(id, ["hostname"], TimeSpan.FromSeconds(10), Ct);
        var env = await runtime.ExecSyncAsync(id, ["sh", "-c", "echo $GREETING"], TimeSpan.FromSeconds(10), Ct);

        var text = Encoding.UTF8.GetString(resolv.Stdout);
        Assert.Contains("nameserver 10.96.0.10", text);
        Assert.Contains("search default.svc.cluster.local svc.cluster.local", text);
        Assert.Contains("options ndots:5", text);
        Assert.Equal("dns\n", Encoding.UTF8.GetString(hostname.Stdout));
        Assert.Equal("hello\n", Encoding.UTF8.GetString(env.Stdout));
    }

    [CriFact]
    public async Task RunPodSandboxAsync_HostNetwork_SharesNodeNetworkAndReportsNodeIp()
    {
        var runtime = NewRuntime();
        var config = SandboxConfig("hostnet") with { HostNetwork = true };
        var sandbox = await runtime.RunPodSandboxAsync(config, Ct);
        var id = await runtime.CreateContainerAsync(sandbox.Id, Container(config, "sleeper", ["sleep", "3600"]), Ct);
        await runtime.StartContainerAsync(id, Ct);

        var links = await runtime.ExecSyncAsync(id, ["cat", "/proc/net/dev"], TimeSpan.FromSeconds(10), Ct);

        Assert.False(sandbox.Ip.StartsWith("10.88.", StringComparison.Ordinal));
        Assert.Equal(CriRuntime.HostIp(), sandbox.Ip);
        // The node's own uplink is visible inside: the pod shares the node's network namespace.
        var uplink = CriRuntime.DefaultRouteInterface();
        Assert.NotNull(uplink);
        Assert.Contains(uplink + ":", Encoding.UTF8.GetString(links.Stdout));
    }

    [CriFact]
    public async Task CreateContainerAsync_LimitsAndMounts_LandInContainer()
    {
        var runtime = NewRuntime();
        var config = SandboxConfig("limits");
        var sandbox = await runtime.RunPodSandboxAsync(config, Ct);
        var hostDir = Path.Combine(containerd.Directory, "volume-" + Guid.NewGuid().ToString("N")[..6]);
        Directory.CreateDirectory(hostDir);
        await File.WriteAllTextAsync(Path.Combine(hostDir, "data"), "from-host", Ct);
        var id = await runtime.CreateContainerAsync(sandbox.Id, Container(config, "limited", ["sleep", "3600"]) with
        {
            Resources = new ContainerResources(250, 500, 64 * 1024 * 1024),
            Mounts = [new Mount(hostDir, "/data", ReadOnly: true)],
        }, Ct);
        await runtime.StartContainerAsync(id, Ct);

        var data = await runtime.ExecSyncAsync(id, ["cat", "/data/data"], TimeSpan.FromSeconds(10), Ct);
        var write = await runtime.ExecSyncAsync(id, ["touch", "/data/new"], TimeSpan.FromSeconds(10), Ct);
        var cgroup = await runtime.ExecSyncAsync(id, ["cat", "/proc/self/cgroup"], TimeSpan.FromSeconds(10), Ct);

        Assert.Equal("from-host", Encoding.UTF8.GetString(data.Stdout));
        Assert.NotEqual(0, write.ExitCode);
        var memoryPath = Encoding.UTF8.GetString(cgroup.Stdout).Split('\n').Select(l => l.Split(':')).FirstOrDefault(p => p.Length == 3 && (p[1].Split(',').Contains("memory") || p[1].Length == 0))?[2];
        Assert.NotNull(memoryPath);
        var limitFile = File.Exists("/sys/fs/cgroup/memory" + memoryPath + "/memory.limit_in_bytes")
            ? "/sys/fs/cgroup/memory" + memoryPath + "/memory.limit_in_bytes"
            : "/sys/fs/cgroup" + memoryPath + "/memory.max";
        Assert.Equal((64 * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture), (await File.ReadAllTextAsync(limitFile, Ct)).Trim());
    }

    [CriFact]
    public async Task LogRotation_LogPastLimit_RenamedReopenedAndPruned()
    {
        var runtime = new CriRuntime(new CriRuntimeOptions(containerd.Socket)
        {
            PollInterval = TimeSpan.FromMilliseconds(100),
            LogRotationInterval = TimeSpan.FromMilliseconds(200),
            MaxLogFileBytes = 1024,
            MaxLogFiles = 3,
        });
        _runtimes.Add(runtime);
        var config = SandboxConfig("rotate");
        var sandbox = await runtime.RunPodSandboxAsync(config, Ct);
        var container = Container(config, "chatty", ["sh", "-c", "while :; do echo 0123456789012345678901234567890123456789; sleep 0.01; done"]);
        var id = await runtime.CreateContainerAsync(sandbox.Id, container, Ct);
        await runtime.StartContainerAsync(id, Ct);

        var dir = Path.GetDirectoryName(container.LogPath)!;
        var rotated = await EventuallyAsync(() => Task.FromResult<string[]?>(
            Rotated(dir) is { Length: 2 } files ? files : null));
        // Reopened: the live file fills again after the last rotation.
        await EventuallyAsync(() => Task.FromResult<object?>(File.Exists(container.LogPath) && new FileInfo(container.LogPath).Length > 0 ? "" : null));

        Assert.All(rotated, f => Assert.Matches(@"\.log\.\d{8}-\d{6}\.\d{9}$", Path.GetFileName(f)));
        Assert.True(Rotated(dir).Length <= 2);
    }

    [CriFact]
    public async Task RunPodSandboxAsync_HostPort_ReachableOnNodeAddress()
    {
        var runtime = NewRuntime();
        var hostPort = 30000 + Random.Shared.Next(2000);
        var config = SandboxConfig("hostport") with { PortMappings = [new PortMapping("TCP", 8080, hostPort, null)] };
        var sandbox = await runtime.RunPodSandboxAsync(config, Ct);
        var id = await runtime.CreateContainerAsync(sandbox.Id, Container(config, "web", [
            "sh", "-c", "echo via-hostport > /tmp/index.html && exec httpd -f -p 8080 -h /tmp"]), Ct);
        await runtime.StartContainerAsync(id, Ct);
        var node = System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == System.Net.NetworkInformation.OperationalStatus.Up && n.Name != "lo" && !n.Name.StartsWith("capstan", StringComparison.Ordinal) && !n.Name.StartsWith("veth", StringComparison.Ordinal))
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .First(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork);

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var body = await EventuallyAsync(async () =>
        {
            try
            {
                return await http.GetStringAsync($"http://{node}:{hostPort}/index.html", Ct);
            }
            catch (HttpRequestException)
            {
                return null;
            }
        });

        Assert.Equal("via-hostport\n", body);
    }

    [CriFact]
    public async Task PortForwardAsync_PortBoundToPodLoopback_Reachable()
    {
        var runtime = NewRuntime();
        var config = SandboxConfig("portforward");
        var sandbox = await runtime.RunPodSandboxAsync(config, Ct);
        var id = await runtime.CreateContainerAsync(sandbox.Id, Container(config, "web", [
            "sh", "-c", "echo via-portforward > /tmp/index.html && exec httpd -f -p 127.0.0.1:8081 -h /tmp"]), Ct);
        await runtime.StartContainerAsync(id, Ct);
        await EventuallyAsync(async () =>
            (await runtime.ExecSyncAsync(id, ["wget", "-q", "-O", "-", "http://127.0.0.1:8081/index.html"], TimeSpan.FromSeconds(5), Ct)).ExitCode == 0 ? "" : null);

        await using var stream = await runtime.PortForwardAsync(sandbox.Id, 8081, Ct);
        await stream.WriteAsync(Encoding.ASCII.GetBytes("GET /index.html HTTP/1.0\r\nHost: x\r\n\r\n"), Ct);
        var response = await new StreamReader(stream).ReadToEndAsync(Ct);

        Assert.StartsWith("HTTP/1.", response);
        Assert.EndsWith("via-portforward\n", response);
    }

    [CriFact]
    public async Task ContainerdRestart_RunningContainer_KeepsRunningAndRuntimeRecovers()
    {
        var runtime = NewRuntime();
        var (sandbox, id) = await RunSleeperAsync(runtime, "restart");
        var before = await runtime.ExecSyncAsync(id, ["cat", "/proc/1/stat"], TimeSpan.FromSeconds(10), Ct);

        await containerd.RestartAsync();
        var status = await EventuallyAsync(async () =>
        {
            try
            {
                return await runtime.ContainerStatusAsync(id, Ct);
            }
            catch (Grpc.Core.RpcException)
            {
                return null;
            }
        });
        var after = await runtime.ExecSyncAsync(id, ["cat", "/proc/1/stat"], TimeSpan.FromSeconds(10), Ct);

        Assert.Equal(ContainerState.Running, status.State);
        // Same process (pid 1's stat, start time included), not a restarted container.
        Assert.Equal(Encoding.UTF8.GetString(before.Stdout), Encoding.UTF8.GetString(after.Stdout));
        Assert.Equal(sandbox.Ip, Assert.Single(await runtime.ListPodSandboxesAsync(Ct), s => s.Id == sandbox.Id).Ip);
    }

    [CriFact]
    public async Task CreateContainerAsync_RunAsNonRootWithRootImage_Refused()
    {
        var runtime = NewRuntime();
        var config = SandboxConfig("nonroot");
        var sandbox = await runtime.RunPodSandboxAsync(config, Ct);

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => runtime.CreateContainerAsync(
            sandbox.Id, Container(config, "root", ["true"]) with { Security = new ContainerSecurity { RunAsNonRoot = true } }, Ct));
        var allowed = await runtime.CreateContainerAsync(
            sandbox.Id, Container(config, "nobody", ["id", "-u"]) with { Security = new ContainerSecurity { RunAsNonRoot = true, RunAsUser = 65534 } }, Ct);
        await runtime.StartContainerAsync(allowed, Ct);
        var status = await WaitExitedAsync(runtime, allowed);

        Assert.Contains("runAsNonRoot", refused.Message);
        Assert.Equal(0, status.ExitCode);
        Assert.Contains("stdout F 65534", await File.ReadAllTextAsync(status.LogPath, Ct));
    }

    private static string[] Rotated(string dir) =>
        Directory.GetFiles(dir).Where(f => Path.GetFileName(f).StartsWith("0.log.", StringComparison.Ordinal)).ToArray();

    private CriRuntime NewRuntime()
    {
        var runtime = new CriRuntime(new CriRuntimeOptions(containerd.Socket) { PollInterval = TimeSpan.FromMilliseconds(200) });
        _runtimes.Add(runtime);
        return runtime;
    }

    private PodSandboxConfig SandboxConfig(string name)
    {
        var uid = Guid.NewGuid().ToString();
        return new PodSandboxConfig(
            "default",
            name,
            uid,
            0,
            name,
            Path.Combine(containerd.LogRoot, $"default_{name}_{uid}"),
            new Dictionary<string, string> { ["test"] = name, ["io.kubernetes.pod.uid"] = uid });
    }

    private static ContainerConfig Container(PodSandboxConfig sandbox, string name, IReadOnlyList<string> command) => new(
        name,
        0,
        ContainerdFixture.BusyboxImage,
        command,
        [new("GREETING", "hello")],
        null,
        [],
        ContainerResources.None,
        Path.Combine(sandbox.LogDirectory, name, "0.log"),
        false,
        false,
        false,
        new Dictionary<string, string> { ["container"] = name })
    {
        Command = command,
    };

    private async Task<(PodSandbox Sandbox, string Id)> RunSleeperAsync(CriRuntime runtime, string name)
    {
        var config = SandboxConfig(name);
        var sandbox = await runtime.RunPodSandboxAsync(config, Ct);
        var id = await runtime.CreateContainerAsync(sandbox.Id, Container(config, "sleeper", ["sleep", "3600"]), Ct);
        await runtime.StartContainerAsync(id, Ct);
        return (sandbox, id);
    }

    private async Task<ContainerStatus> WaitExitedAsync(CriRuntime runtime, string id) =>
        await EventuallyAsync(async () => await runtime.ContainerStatusAsync(id, Ct) is { State: ContainerState.Exited } s ? s : null);

    private async Task<T> EventuallyAsync<T>(Func<Task<T?>> probe)
        where T : class
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            if (await probe() is { } value)
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("condition not met in time");
            }

            await Task.Delay(100, Ct);
        }
    }
}
