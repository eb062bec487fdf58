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
        var id = await runtime.CreateContainerAsync(sandbox.Id, Container(config, "web", [
            "sh", "-c", "echo hello-from-pod > /tmp/index.html && exec httpd -f -p 8080 -h /tmp"]), Ct);
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

        var present = await runtime.Images.ImageStatusAsync(ContainerdFixture.BusyboxImage, Ct);
        var missing = await runtime.Images.ImageStatusAsync("capstan.io/missing:1", Ct);
        var all = await runtime.Images.ListImagesAsync(Ct);
        var fs = await runtime.Images.ImageFsUsageAsync(Ct);

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
