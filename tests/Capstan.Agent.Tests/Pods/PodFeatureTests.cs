using Capstan.Agent.Runtime;
using Capstan.Agent.Tests.Support;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Capstan.Agent.Tests.Pods;

/// <summary>Sidecars, startup probes, lifecycle hooks, force deletion.</summary>
[Trait("Category", "Slow")]
public sealed class PodFeatureTests(AgentFixture fixture) : IClassFixture<AgentFixture>
{
    private Kubernetes Client => fixture.Client;

    private static V1Pod Pod(string name, string node, params V1Container[] containers) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" },
        Spec = new V1PodSpec { NodeName = node, Containers = containers, TerminationGracePeriodSeconds = 5 },
    };

    private static V1Container Container(string name) => new() { Name = name, Image = "img", Command = ["/bin/" + name] };

    private async Task<V1Pod> WaitForAsync(string name, Func<V1Pod, bool> condition)
    {
        V1Pod? last = null;
        var ok = await AgentFixture.EventuallyAsync(async () =>
        {
            last = await Client.CoreV1.ReadNamespacedPodAsync(name, "default");
            return condition(last);
        });
        Assert.True(ok, $"pod {name} did not reach the condition; status: {KubernetesJson.Serialize(last?.Status)}");
        return last!;
    }

    private async Task<bool> GoneAsync(string name) => await AgentFixture.EventuallyAsync(async () =>
    {
        try
        {
            await Client.CoreV1.ReadNamespacedPodAsync(name, "default");
            return false;
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return true;
        }
    });

    [Fact]
    public async Task Sidecar_WithStartupProbe_GatesNextInitContainer_AndKeepsRunning()
    {
        var runtime = new TestRuntime();
        var sidecarUp = false;
        runtime.ExecHandler = (c, _) => new ExecSyncResult(c.Name == "proxy" && !Volatile.Read(ref sidecarUp) ? 1 : 0, [], [], false);
        await using var agent = await NodeAgent.StartAsync(Client, fixture.Options("node-side"), runtime, fixture.LoggerFactory, CancellationToken.None);
        var sidecar = Container("proxy");
        sidecar.RestartPolicy = "Always";
        sidecar.StartupProbe = new V1Probe { Exec = new V1ExecAction { Command = ["up"] }, PeriodSeconds = 1, FailureThreshold = 100 };
        var spec = Pod("side", "node-side", Container("app"));
        spec.Spec.InitContainers = [sidecar, Container("setup")];
        await Client.CoreV1.CreateNamespacedPodAsync(spec, "default");

        await WaitForAsync("side", p => p.Status?.InitContainerStatuses?.FirstOrDefault()?.State?.Running is not null);
        Assert.Null(runtime.Find("side", "setup"));
        Volatile.Write(ref sidecarUp, true);
        await WaitForAsync("side", p => p.Status.InitContainerStatuses[1].State.Running is not null);
        runtime.Exit("side", "setup", 0);
        var pod = await WaitForAsync("side", p => p.Status.Phase == "Running" && p.Status.Conditions.Any(c => c.Type == "Ready" && c.Status == "True"));
        Assert.True(pod.Status.InitContainerStatuses[0].Started);
        Assert.NotNull(pod.Status.InitContainerStatuses[0].State.Running);
        Assert.Equal(0, pod.Status.InitContainerStatuses[1].State.Terminated.ExitCode);

        // Deletion stops the app first, then the sidecar.
        await Client.CoreV1.DeleteNamespacedPodAsync("side", "default");
        Assert.True(await GoneAsync("side"));
        Assert.Equal(["app", "proxy"], runtime.Stopped.Select(s => runtime.NamesById[s.Id]));
    }

    [Fact]
    public async Task StartupProbe_GatesReadiness_UntilItPasses()
    {
        var runtime = new TestRuntime();
        var started = false;
        runtime.ExecHandler = (_, cmd) => new ExecSyncResult(cmd[0] == "startup" && !Volatile.Read(ref started) ? 1 : 0, [], [], false);
        await using var agent = await NodeAgent.StartAsync(Client, fixture.Options("node-startup"), runtime, fixture.LoggerFactory, CancellationToken.None);
        var container = Container("app");
        container.StartupProbe = new V1Probe { Exec = new V1ExecAction { Command = ["startup"] }, PeriodSeconds = 1, FailureThreshold = 100 };
        container.ReadinessProbe = new V1Probe { Exec = new V1ExecAction { Command = ["ready"] }, PeriodSeconds = 1 };
        await Client.CoreV1.CreateNamespacedPodAsync(Pod("startup", "node-startup", container), "default");

        var pod = await WaitForAsync("startup", p => p.Status?.ContainerStatuses?.FirstOrDefault()?.State?.Running is not null);
        Assert.False(pod.Status.ContainerStatuses[0].Started);
        Assert.False(pod.Status.ContainerStatuses[0].Ready);
        Volatile.Write(ref started, true);
        pod = await WaitForAsync("startup", p => p.Status.ContainerStatuses[0].Ready);
        Assert.True(pod.Status.ContainerStatuses[0].Started);
    }

    [Fact]
    public async Task FailedPostStartHook_KillsContainer_AndRestartsIt()
    {
        var runtime = new TestRuntime();
        var failHook = true;
        runtime.ExecHandler = (_, cmd) => new ExecSyncResult(cmd[0] == "hook" && Volatile.Read(ref failHook) ? 1 : 0, [], "nope"u8.ToArray(), false);
        await using var agent = await NodeAgent.StartAsync(Client, fixture.Options("node-hook"), runtime, fixture.LoggerFactory, CancellationToken.None);
        var container = Container("app");
        container.Lifecycle = new V1Lifecycle { PostStart = new V1LifecycleHandler { Exec = new V1ExecAction { Command = ["hook"] } } };
        await Client.CoreV1.CreateNamespacedPodAsync(Pod("hook", "node-hook", container), "default");

        Assert.True(await AgentFixture.EventuallyAsync(async () =>
            (await Client.CoreV1.ListNamespacedEventAsync("default")).Items.Any(e => e.InvolvedObject.Name == "hook" && e.Reason == "FailedPostStartHook")));
        Volatile.Write(ref failHook, false);
        var pod = await WaitForAsync("hook", p => p.Status?.ContainerStatuses?.FirstOrDefault() is { RestartCount: >= 1, State.Running: not null });
        Assert.NotNull(pod.Status.ContainerStatuses[0].LastState.Terminated);
    }

    [Fact]
    public async Task PreStopHook_RunsBeforeStop()
    {
        var runtime = new TestRuntime();
        var hooks = new System.Collections.Concurrent.ConcurrentQueue<string>();
        runtime.ExecHandler = (c, cmd) =>
        {
            hooks.Enqueue(cmd[0]);
            return new ExecSyncResult(0, [], [], false);
        };
        await using var agent = await NodeAgent.StartAsync(Client, fixture.Options("node-prestop"), runtime, fixture.LoggerFactory, CancellationToken.None);
        var container = Container("app");
        container.Lifecycle = new V1Lifecycle { PreStop = new V1LifecycleHandler { Exec = new V1ExecAction { Command = ["drain"] } } };
        await Client.CoreV1.CreateNamespacedPodAsync(Pod("prestop", "node-prestop", container), "default");
        await WaitForAsync("prestop", p => p.Status?.ContainerStatuses?.FirstOrDefault()?.State?.Running is not null);

        await Client.CoreV1.DeleteNamespacedPodAsync("prestop", "default");
        Assert.True(await GoneAsync("prestop"));
        Assert.Equal(["drain"], hooks.ToArray());
        Assert.Single(runtime.Stopped);
    }

    [Fact]
    public async Task ForceDeletedPod_ContainersKilled_SandboxRemoved()
    {
        var runtime = new TestRuntime();
        await using var agent = await NodeAgent.StartAsync(Client, fixture.Options("node-force"), runtime, fixture.LoggerFactory, CancellationToken.None);
        await Client.CoreV1.CreateNamespacedPodAsync(Pod("force", "node-force", Container("app")), "default");
        await WaitForAsync("force", p => p.Status?.ContainerStatuses?.FirstOrDefault()?.State?.Running is not null);

        await Client.CoreV1.DeleteNamespacedPodAsync("force", "default", new V1DeleteOptions { GracePeriodSeconds = 0 });
        Assert.True(await AgentFixture.EventuallyAsync(() => Task.FromResult(runtime.Sandboxes.Count == 0)));
        Assert.Single(runtime.Stopped);
    }

    [Fact]
    public async Task ImageChanged_ContainerRestartedWithNewImage()
    {
        var runtime = new TestRuntime();
        await using var agent = await NodeAgent.StartAsync(Client, fixture.Options("node-image"), runtime, fixture.LoggerFactory, CancellationToken.None);
        await Client.CoreV1.CreateNamespacedPodAsync(Pod("image", "node-image", Container("app")), "default");
        await WaitForAsync("image", p => p.Status?.ContainerStatuses?.FirstOrDefault()?.State?.Running is not null);

        await Client.CoreV1.PatchNamespacedPodAsync(new V1Patch("[{\"op\":\"replace\",\"path\":\"/spec/containers/0/image\",\"value\":\"img:2\"}]", V1Patch.PatchType.JsonPatch), "image", "default");
        await WaitForAsync("image", p => p.Status.ContainerStatuses[0] is { RestartCount: 1, State.Running: not null, Image: "img:2" });
        Assert.Equal("img:2", runtime.Find("image", "app")!.Image);
    }

    [Fact]
    public async Task ActiveDeadlineExceeded_PodFailed()
    {
        var runtime = new TestRuntime();
        await using var agent = await NodeAgent.StartAsync(Client, fixture.Options("node-deadline"), runtime, fixture.LoggerFactory, CancellationToken.None);
        var spec = Pod("deadline", "node-deadline", Container("app"));
        spec.Spec.ActiveDeadlineSeconds = 1;
        await Client.CoreV1.CreateNamespacedPodAsync(spec, "default");

        var pod = await WaitForAsync("deadline", p => p.Status?.Phase == "Failed");
        Assert.Equal("DeadlineExceeded", pod.Status.Reason);
        Assert.NotNull(pod.Status.ContainerStatuses[0].State.Terminated);
        Assert.Single(runtime.Stopped);
    }

    [Fact]
    public async Task FailedStart_RunContainerError_ThenRetried()
    {
        var runtime = new TestRuntime();
        var fail = true;
        runtime.FailStart = name => Volatile.Read(ref fail) ? "exec: \"/bin/app\": no such file" : null;
        await using var agent = await NodeAgent.StartAsync(Client, fixture.Options("node-runerr"), runtime, fixture.LoggerFactory, CancellationToken.None);
        await Client.CoreV1.CreateNamespacedPodAsync(Pod("runerr", "node-runerr", Container("app")), "default");

        var pod = await WaitForAsync("runerr", p => p.Status?.ContainerStatuses?.FirstOrDefault()?.State?.Waiting?.Reason == "RunContainerError");
        Assert.Equal("exec: \"/bin/app\": no such file", pod.Status.ContainerStatuses[0].State.Waiting.Message);
        Volatile.Write(ref fail, false);
        await WaitForAsync("runerr", p => p.Status.ContainerStatuses[0].State.Running is not null);
    }

    [Fact]
    public async Task FallbackToLogsOnError_FailedContainerMessageIsLogTail()
    {
        var runtime = new TestRuntime();
        await using var agent = await NodeAgent.StartAsync(Client, fixture.Options("node-termmsg"), runtime, fixture.LoggerFactory, CancellationToken.None);
        var container = Container("app");
        container.TerminationMessagePolicy = "FallbackToLogsOnError";
        var spec = Pod("termmsg", "node-termmsg", container);
        spec.Spec.RestartPolicy = "Never";
        await Client.CoreV1.CreateNamespacedPodAsync(spec, "default");
        await WaitForAsync("termmsg", p => p.Status?.ContainerStatuses?.FirstOrDefault()?.State?.Running is not null);

        var logPath = runtime.Created.Single().LogPath;
        File.WriteAllLines(logPath, ["2026-01-01T00:00:00.000000000Z stdout F starting", "2026-01-01T00:00:01.000000000Z stderr P fatal: ", "2026-01-01T00:00:01.000000000Z stderr F disk full"]);
        runtime.Exit("termmsg", "app", 2);
        var pod = await WaitForAsync("termmsg", p => p.Status.Phase == "Failed");
        Assert.Equal("starting\nfatal: disk full\n", pod.Status.ContainerStatuses[0].State.Terminated.Message);
    }

    [Fact]
    public async Task SecondDeleteWithShorterGrace_CutsTheStopShort()
    {
        var runtime = new TestRuntime { IgnoreSigterm = true };
        await using var agent = await NodeAgent.StartAsync(Client, fixture.Options("node-regrace"), runtime, fixture.LoggerFactory, CancellationToken.None);
        var spec = Pod("regrace", "node-regrace", Container("app"));
        spec.Spec.TerminationGracePeriodSeconds = 300;
        await Client.CoreV1.CreateNamespacedPodAsync(spec, "default");
        await WaitForAsync("regrace", p => p.Status?.ContainerStatuses?.FirstOrDefault()?.State?.Running is not null);

        await Client.CoreV1.DeleteNamespacedPodAsync("regrace", "default");
        Assert.True(await AgentFixture.EventuallyAsync(() => Task.FromResult(runtime.Stopped.Any(s => s.Grace > TimeSpan.FromSeconds(200)))));
        await Client.CoreV1.DeleteNamespacedPodAsync("regrace", "default", new V1DeleteOptions { GracePeriodSeconds = 1 });
        Assert.True(await GoneAsync("regrace"));
        Assert.Contains(runtime.Stopped, s => s.Grace <= TimeSpan.FromSeconds(1));
    }
}
