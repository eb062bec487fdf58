using Capstan.Agent.Runtime;
using Capstan.Agent.Tests.Support;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Capstan.Agent.Tests.Pods;

[Trait("Category", "Slow")]
public sealed class PodLifecycleTests(AgentFixture fixture) : IClassFixture<AgentFixture>
{
    private Kubernetes Client => fixture.Client;

    private static V1Pod Pod(string name, string node, params V1Container[] containers) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" },
        Spec = new V1PodSpec { NodeName = node, Containers = containers, TerminationGracePeriodSeconds = 5 },
    };

    private static V1Container Container(string name, params string[] command) => new() { Name = name, Image = "test/" + name + ":1", Command = command };

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

    [Fact]
    public async Task Pod_BoundToNode_GoesRunningAndReady_WithStatusesAndEvents()
    {
        var runtime = new TestRuntime();
        await using var agent = await NodeAgent.StartAsync(Client, fixture.Options("node-run"), runtime, fixture.LoggerFactory, CancellationToken.None);
        await Client.CoreV1.CreateNamespacedPodAsync(Pod("run", "node-run", Container("app", "/bin/app", "--port=$(PORT)")), "default");

        var pod = await WaitForAsync("run", p => p.Status?.Phase == "Running" && p.Status.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true);
        var status = Assert.Single(pod.Status.ContainerStatuses);
        Assert.Equal("app", status.Name);
        Assert.True(status.Ready);
        Assert.True(status.Started);
        Assert.Equal(0, status.RestartCount);
        Assert.NotNull(status.State.Running?.StartedAt);
        Assert.StartsWith("test://", status.ContainerID);
        Assert.Equal("test/app:1", status.Image);
        Assert.Equal("127.0.0.1", pod.Status.HostIP);
        Assert.StartsWith("10.88.0.", pod.Status.PodIP);
        Assert.Equal(pod.Status.PodIP, Assert.Single(pod.Status.PodIPs).Ip);
        Assert.NotNull(pod.Status.StartTime);
        Assert.Equal("BestEffort", pod.Status.QosClass);
        foreach (var type in new[] { "PodReadyToStartContainers", "Initialized", "ContainersReady", "Ready" })
        {
            Assert.Equal("True", pod.Status.Conditions.Single(c => c.Type == type).Status);
        }

        var created = runtime.Created.Single(c => c.Name == "app");
        Assert.Equal(["/bin/app", "--port=$(PORT)"], created.Argv);
        Assert.EndsWith(Path.Combine("pods", "logs", $"default_run_{pod.Metadata.Uid}", "app", "0.log"), created.LogPath);
        Assert.Equal(pod.Metadata.Uid, created.Labels["io.kubernetes.pod.uid"]);

        Assert.True(await AgentFixture.EventuallyAsync(async () =>
        {
            var events = (await Client.CoreV1.ListNamespacedEventAsync("default")).Items.Where(e => e.InvolvedObject.Name == "run").ToList();
            return events.Any(e => e.Reason == "Pulled" && e.Message == "Container image \"test/app:1\" already present on machine")
                && events.Any(e => e.Reason == "Created" && e.Message == "Created container: app" && e.InvolvedObject.FieldPath == "spec.containers{app}")
                && events.Any(e => e.Reason == "Started" && e.Message == "Started container app" && e.Source.Host == "node-run");
        }));
        Assert.Equal("app", Assert.Single(agent.PodDirectory.ContainerNames("default", "run")));
        Assert.Equal(pod.Status.PodIP, agent.PodDirectory.PodIp("default", "run"));
        Assert.True(agent.PodDirectory.FindContainer("default", "run", "app", previous: false)!.Running);
        Assert.Null(agent.PodDirectory.FindContainer("default", "run", "app", previous: true));
    }

    [Fact]
    public async Task ExitedContainer_IsRestarted_ThenShowsCrashLoopBackOff()
    {
        var runtime = new TestRuntime();
        await using var agent = await NodeAgent.StartAsync(Client, fixture.Options("node-crash"), runtime, fixture.LoggerFactory, CancellationToken.None);
        await Client.CoreV1.CreateNamespacedPodAsync(Pod("crash", "node-crash", Container("app", "/bin/app")), "default");
        await WaitForAsync("crash", p => p.Status?.ContainerStatuses?.FirstOrDefault()?.State?.Running is not null);

        runtime.Exit("crash", "app", 3);
        var pod = await WaitForAsync("crash", p => p.Status.ContainerStatuses[0] is { RestartCount: 1, State.Running: not null });
        var status = pod.Status.ContainerStatuses[0];
        Assert.Equal(3, status.LastState.Terminated.ExitCode);
        Assert.Equal("Error", status.LastState.Terminated.Reason);
        Assert.NotNull(agent.PodDirectory.FindContainer("default", "crash", "app", previous: true));

        runtime.Exit("crash", "app", 1);
        pod = await WaitForAsync("crash", p => p.Status.ContainerStatuses[0].State.Waiting?.Reason == "CrashLoopBackOff");
        status = pod.Status.ContainerStatuses[0];
        Assert.Equal(1, status.RestartCount);
        Assert.Equal(1, status.LastState.Terminated.ExitCode);
        Assert.Equal($"back-off 300ms restarting failed container=app pod=crash_default({pod.Metadata.Uid})", status.State.Waiting.Message);
        Assert.Equal("Running", pod.Status.Phase);
        Assert.Equal("False", pod.Status.Conditions.Single(c => c.Type == "Ready").Status);

        // The back-off ends and the container runs again; its repeated events are aggregated into one with a count.
        await WaitForAsync("crash", p => p.Status.ContainerStatuses[0] is { RestartCount: 2, State.Running: not null });
        Assert.True(await AgentFixture.EventuallyAsync(async () =>
        {
            var started = (await Client.CoreV1.ListNamespacedEventAsync("default")).Items.Where(e => e.InvolvedObject.Name == "crash" && e.Reason == "Started").ToList();
            return started.Count == 1 && started[0].Count == 3;
        }));
        Assert.True(await AgentFixture.EventuallyAsync(async () =>
            (await Client.CoreV1.ListNamespacedEventAsync("default")).Items.Any(e => e.InvolvedObject.Name == "crash" && e.Reason == "BackOff"
                && e.Message == $"Back-off restarting failed container app in pod crash_default({pod.Metadata.Uid})")));
    }

    [Fact]
    public async Task RestartPolicyNever_ContainerExitsZero_PodSucceeded()
    {
        var runtime = new TestRuntime();
        await using var agent = await NodeAgent.StartAsync(Client, fixture.Options("node-never"), runtime, fixture.LoggerFactory, CancellationToken.None);
        var spec = Pod("once", "node-never", Container("job", "/bin/job"));
        spec.Spec.RestartPolicy = "Never";
        await Client.CoreV1.CreateNamespacedPodAsync(spec, "default");
        await WaitForAsync("once", p => p.Status?.ContainerStatuses?.FirstOrDefault()?.State?.Running is not null);

        runtime.Exit("once", "job", 0);
        var pod = await WaitForAsync("once", p => p.Status.Phase == "Succeeded");
        Assert.Equal(0, pod.Status.ContainerStatuses[0].State.Terminated.ExitCode);
        Assert.Equal("Completed", pod.Status.ContainerStatuses[0].State.Terminated.Reason);
        Assert.Equal("PodCompleted", pod.Status.Conditions.Single(c => c.Type == "Ready").Reason);
    }

    [Fact]
    public async Task InitContainers_RunInOrder_BeforeContainers()
    {
        var runtime = new TestRuntime();
        await using var agent = await NodeAgent.StartAsync(Client, fixture.Options("node-init"), runtime, fixture.LoggerFactory, CancellationToken.None);
        var spec = Pod("init", "node-init", Container("app", "/bin/app"));
        spec.Spec.InitContainers = [Container("first", "/bin/first"), Container("second", "/bin/second")];
        await Client.CoreV1.CreateNamespacedPodAsync(spec, "default");

        var pod = await WaitForAsync("init", p => p.Status?.InitContainerStatuses?.FirstOrDefault()?.State?.Running is not null);
        Assert.Equal("Pending", pod.Status.Phase);
        Assert.Equal("PodInitializing", pod.Status.ContainerStatuses[0].State.Waiting.Reason);
        Assert.Equal("False", pod.Status.Conditions.Single(c => c.Type == "Initialized").Status);
        Assert.Null(runtime.Find("init", "second"));

        runtime.Exit("init", "first", 0);
        await WaitForAsync("init", p => p.Status.InitContainerStatuses[1].State.Running is not null);
        runtime.Exit("init", "second", 0);
        pod = await WaitForAsync("init", p => p.Status.Phase == "Running" && p.Status.ContainerStatuses[0].State.Running is not null);
        Assert.Equal("True", pod.Status.Conditions.Single(c => c.Type == "Initialized").Status);
        Assert.Equal(["first", "second", "app"], runtime.Started.ToArray());
        Assert.Equal(["first", "second", "app"], agent.PodDirectory.ContainerNames("default", "init"));
    }

    [Fact]
    public async Task MissingConfigMap_ContainerWaitsWithCreateContainerConfigError()
    {
        var runtime = new TestRuntime();
        await using var agent = await NodeAgent.StartAsync(Client, fixture.Options("node-cfg"), runtime, fixture.LoggerFactory, CancellationToken.None);
        var container = Container("app", "/bin/app");
        container.Env = [new V1EnvVar { Name = "X", ValueFrom = new V1EnvVarSource { ConfigMapKeyRef = new V1ConfigMapKeySelector { Name = "absent", Key = "k" } } }];
        await Client.CoreV1.CreateNamespacedPodAsync(Pod("cfg", "node-cfg", container), "default");

        var pod = await WaitForAsync("cfg", p => p.Status?.ContainerStatuses?.FirstOrDefault()?.State?.Waiting?.Reason == "CreateContainerConfigError");
        Assert.Equal("configmap \"absent\" not found", pod.Status.ContainerStatuses[0].State.Waiting.Message);
        Assert.Equal("Pending", pod.Status.Phase);

        await Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "absent" }, Data = new Dictionary<string, string> { ["k"] = "v" } }, "default");
        await WaitForAsync("cfg", p => p.Status.ContainerStatuses[0].State.Running is not null);
        Assert.Contains(new KeyValuePair<string, string>("X", "v"), runtime.Created.Last().Env);
    }

    [Fact]
    public async Task FailingReadinessProbe_PodNotReady_NoRestart()
    {
        var runtime = new TestRuntime();
        var healthy = true;
        runtime.ExecHandler = (_, _) => new ExecSyncResult(Volatile.Read(ref healthy) ? 0 : 1, [], "unhealthy"u8.ToArray(), false);
        await using var agent = await NodeAgent.StartAsync(Client, fixture.Options("node-ready"), runtime, fixture.LoggerFactory, CancellationToken.None);
        var container = Container("app", "/bin/app");
        container.ReadinessProbe = new V1Probe { Exec = new V1ExecAction { Command = ["check"] }, PeriodSeconds = 1, FailureThreshold = 1 };
        await Client.CoreV1.CreateNamespacedPodAsync(Pod("ready", "node-ready", container), "default");
        await WaitForAsync("ready", p => p.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true);

        Volatile.Write(ref healthy, false);
        var pod = await WaitForAsync("ready", p => p.Status.Conditions.Any(c => c.Type == "Ready" && c.Status == "False"));
        Assert.False(pod.Status.ContainerStatuses[0].Ready);
        Assert.Equal(0, pod.Status.ContainerStatuses[0].RestartCount);
        Assert.Equal("Running", pod.Status.Phase);
        Assert.Single(runtime.Started);
        Assert.True(await AgentFixture.EventuallyAsync(async () =>
            (await Client.CoreV1.ListNamespacedEventAsync("default")).Items.Any(e => e.InvolvedObject.Name == "ready" && e.Reason == "Unhealthy"
                && e.Message == "Readiness probe failed: unhealthy")));
    }

    [Fact]
    public async Task FailingLivenessProbe_KillsAndRestartsTheContainer()
    {
        var runtime = new TestRuntime();
        var healthy = true;
        runtime.ExecHandler = (_, _) => new ExecSyncResult(Volatile.Read(ref healthy) ? 0 : 1, [], [], false);
        await using var agent = await NodeAgent.StartAsync(Client, fixture.Options("node-live"), runtime, fixture.LoggerFactory, CancellationToken.None);
        var container = Container("app", "/bin/app");
        container.LivenessProbe = new V1Probe { Exec = new V1ExecAction { Command = ["check"] }, PeriodSeconds = 1, FailureThreshold = 1 };
        await Client.CoreV1.CreateNamespacedPodAsync(Pod("live", "node-live", container), "default");
        await WaitForAsync("live", p => p.Status?.ContainerStatuses?.FirstOrDefault()?.State?.Running is not null);

        Volatile.Write(ref healthy, false);
        await WaitForAsync("live", p => p.Status.ContainerStatuses[0].RestartCount >= 1);
        Volatile.Write(ref healthy, true);
        Assert.True(await AgentFixture.EventuallyAsync(async () =>
            (await Client.CoreV1.ListNamespacedEventAsync("default")).Items.Any(e => e.InvolvedObject.Name == "live" && e.Reason == "Killing"
                && e.Message == "Container app failed liveness probe, will be restarted")));
    }

    [Fact]
    public async Task DeletedPod_ContainersStoppedGracefully_ObjectDisappears()
    {
        var runtime = new TestRuntime();
        await using var agent = await NodeAgent.StartAsync(Client, fixture.Options("node-del"), runtime, fixture.LoggerFactory, CancellationToken.None);
        await Client.CoreV1.CreateNamespacedPodAsync(Pod("del", "node-del", Container("app", "/bin/app")), "default");
        await WaitForAsync("del", p => p.Status?.ContainerStatuses?.FirstOrDefault()?.State?.Running is not null);
        var id = runtime.Find("del", "app")!.Id;

        await Client.CoreV1.DeleteNamespacedPodAsync("del", "default");
        Assert.True(await AgentFixture.EventuallyAsync(async () =>
        {
            try
            {
                await Client.CoreV1.ReadNamespacedPodAsync("del", "default");
                return false;
            }
            catch (HttpOperationException ex) when (ex.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
                return true;
            }
        }));
        var stop = Assert.Single(runtime.Stopped, s => s.Id == id);
        Assert.InRange(stop.Grace, TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(5));
        Assert.Empty(runtime.Sandboxes);
        Assert.Null(agent.PodDirectory.PodIp("default", "del"));
    }

    [Fact]
    public async Task RestartedAgent_AdoptsRunningContainers_WithoutRestarting()
    {
        var runtime = new TestRuntime();
        var options = fixture.Options("node-adopt");
        var agent = await NodeAgent.StartAsync(Client, options, runtime, fixture.LoggerFactory, CancellationToken.None);
        await Client.CoreV1.CreateNamespacedPodAsync(Pod("adopt", "node-adopt", Container("app", "/bin/app")), "default");
        await WaitForAsync("adopt", p => p.Status?.ContainerStatuses?.FirstOrDefault()?.State?.Running is not null);
        runtime.Exit("adopt", "app", 1);
        await WaitForAsync("adopt", p => p.Status.ContainerStatuses[0] is { RestartCount: 1, State.Running: not null });
        await agent.DisposeAsync();

        // A sandbox of a pod that no longer exists is cleaned up by the next agent.
        var orphan = await runtime.RunPodSandboxAsync(new PodSandboxConfig("default", "gone", "uid-gone", 0, "gone", "/tmp/none",
            new Dictionary<string, string> { ["io.kubernetes.pod.uid"] = "uid-gone" }), CancellationToken.None);
        var startsBefore = runtime.Started.Count;
        var containerId = runtime.Find("adopt", "app")!.Id;

        await using var second = await NodeAgent.StartAsync(Client, options, runtime, fixture.LoggerFactory, CancellationToken.None);
        var pod = await WaitForAsync("adopt", p => p.Status.ContainerStatuses[0].Ready);
        Assert.Equal(1, pod.Status.ContainerStatuses[0].RestartCount);
        Assert.Equal(startsBefore, runtime.Started.Count);
        Assert.Equal(containerId, runtime.Find("adopt", "app")!.Id);
        Assert.DoesNotContain(runtime.Sandboxes, s => s.Id == orphan.Id);
        Assert.True(second.PodDirectory.FindContainer("default", "adopt", "app", previous: false)!.Running);
    }

    [Fact]
    public async Task RestartedAgent_KeepsAdoptedContainerReady_WhileProbesStartOver()
    {
        var runtime = new TestRuntime();
        var options = fixture.Options("node-keepready");
        var agent = await NodeAgent.StartAsync(Client, options, runtime, fixture.LoggerFactory, CancellationToken.None);
        var container = Container("app", "/bin/app");
        container.ReadinessProbe = new V1Probe { Exec = new V1ExecAction { Command = ["check"] }, PeriodSeconds = 1, FailureThreshold = 100 };
        await Client.CoreV1.CreateNamespacedPodAsync(Pod("keepready", "node-keepready", container), "default");
        await WaitForAsync("keepready", p => p.Status?.ContainerStatuses?.FirstOrDefault()?.Ready == true);
        await agent.DisposeAsync();

        // From now on every probe fails, but below the failure threshold: the adopted container must stay ready.
        var probes = 0;
        runtime.ExecHandler = (_, _) =>
        {
            Interlocked.Increment(ref probes);
            return new ExecSyncResult(1, [], [], false);
        };
        await using var second = await NodeAgent.StartAsync(Client, options, runtime, fixture.LoggerFactory, CancellationToken.None);
        Assert.True(await AgentFixture.EventuallyAsync(() => Task.FromResult(Volatile.Read(ref probes) >= 2)));
        var pod = await Client.CoreV1.ReadNamespacedPodAsync("keepready", "default");
        Assert.True(pod.Status.ContainerStatuses[0].Ready);
        Assert.Equal("True", pod.Status.Conditions.Single(c => c.Type == "Ready").Status);
    }
}
