using System.Collections.Concurrent;
using Capstan.Agent.Runtime;
using Capstan.Agent.Runtime.Fake;

namespace Capstan.Agent.Runtime.Tests.Runtime.Fake;

public sealed class FakeRuntimeTests
{
    private static PodSandboxConfig Pod(string name) =>
        new("default", name, Guid.NewGuid().ToString(), 0, name, "/nonexistent", new Dictionary<string, string>());

    private static ContainerConfig Container(string name) =>
        new(name, 0, "img", ["run"], [], null, [], ContainerResources.None, "/nonexistent/0.log", false, false, false, new Dictionary<string, string> { ["c"] = name });

    [Fact]
    public async Task StartContainer_Created_RunningAtOnceWithStartedEvent()
    {
        var runtime = new FakeRuntime("10.200.0.0/16");
        var events = new ConcurrentQueue<ContainerEvent>();
        runtime.ContainerChanged += (_, e) => events.Enqueue(e);
        var sandbox = await runtime.RunPodSandboxAsync(Pod("a"), CancellationToken.None);

        var id = await runtime.CreateContainerAsync(sandbox.Id, Container("main"), CancellationToken.None);
        await runtime.StartContainerAsync(id, CancellationToken.None);

        Assert.StartsWith("10.200.", sandbox.Ip, StringComparison.Ordinal);
        Assert.Equal(ContainerState.Running, (await runtime.ContainerStatusAsync(id, CancellationToken.None))!.State);
        Assert.Equal(ContainerEventKind.Started, Assert.Single(events).Kind);
    }

    [Fact]
    public async Task ExitContainer_Running_ExitedWithCodeAndEvent()
    {
        var runtime = new FakeRuntime();
        var sandbox = await runtime.RunPodSandboxAsync(Pod("a"), CancellationToken.None);
        var id = await runtime.CreateContainerAsync(sandbox.Id, Container("main"), CancellationToken.None);
        await runtime.StartContainerAsync(id, CancellationToken.None);
        var exited = new TaskCompletionSource<ContainerEvent>();
        runtime.ContainerChanged += (_, e) => exited.TrySetResult(e);

        Assert.True(runtime.ExitContainer(id, 2));

        var status = (await runtime.ContainerStatusAsync(id, CancellationToken.None))!;
        Assert.Equal((ContainerState.Exited, 2, "Error"), (status.State, status.ExitCode, status.Reason));
        Assert.Equal(ContainerEventKind.Exited, (await exited.Task).Kind);
        Assert.False(runtime.ExitContainer(id, 3));
    }

    [Fact]
    public async Task RunPodSandbox_ThousandPods_DistinctIpsAndIpsReusedAfterRemoval()
    {
        var runtime = new FakeRuntime("10.201.0.0/16");
        var sandboxes = await Task.WhenAll(Enumerable.Range(0, 1000).Select(i => runtime.RunPodSandboxAsync(Pod($"p{i}"), CancellationToken.None)));

        Assert.Equal(1000, sandboxes.Select(s => s.Ip).Distinct().Count());
        Assert.DoesNotContain(sandboxes, s => s.Ip.EndsWith(".0", StringComparison.Ordinal) || s.Ip.EndsWith(".1", StringComparison.Ordinal));
        foreach (var sandbox in sandboxes)
        {
            await runtime.RemovePodSandboxAsync(sandbox.Id, CancellationToken.None);
        }

        Assert.Empty(await runtime.ListPodSandboxesAsync(CancellationToken.None));
    }

    [Fact]
    public async Task ExecSync_Default_ExitZero()
    {
        var runtime = new FakeRuntime();
        var sandbox = await runtime.RunPodSandboxAsync(Pod("a"), CancellationToken.None);
        var id = await runtime.CreateContainerAsync(sandbox.Id, Container("main"), CancellationToken.None);
        await runtime.StartContainerAsync(id, CancellationToken.None);

        var result = await runtime.ExecSyncAsync(id, ["cat", "/tmp/healthy"], TimeSpan.FromSeconds(1), CancellationToken.None);

        Assert.Equal(0, result.ExitCode);
        Assert.False(result.TimedOut);
    }
}
