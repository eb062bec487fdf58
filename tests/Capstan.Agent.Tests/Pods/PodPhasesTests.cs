using Capstan.Agent.Pods;
using k8s.Models;

namespace Capstan.Agent.Tests.Pods;

public sealed class PodPhasesTests
{
    private static V1ContainerStatus Running(string name) => new() { Name = name, State = new V1ContainerState { Running = new V1ContainerStateRunning() } };

    private static V1ContainerStatus Exited(string name, int code) => new() { Name = name, State = new V1ContainerState { Terminated = new V1ContainerStateTerminated { ExitCode = code } } };

    private static V1ContainerStatus Waiting(string name, int? lastExit = null) => new()
    {
        Name = name,
        State = new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = "x" } },
        LastState = lastExit is { } code ? new V1ContainerState { Terminated = new V1ContainerStateTerminated { ExitCode = code } } : null,
    };

    private static V1PodSpec Spec(string policy, int containers = 1, params V1Container[] init) => new()
    {
        RestartPolicy = policy,
        Containers = [.. Enumerable.Range(0, containers).Select(i => new V1Container { Name = "c" + i })],
        InitContainers = init,
    };

    [Fact]
    public void Compute_AllRunning_Running() => Assert.Equal("Running", PodPhases.Compute(Spec("Always", 2), null, [Running("c0"), Running("c1")]));

    [Fact]
    public void Compute_OneWaiting_Pending() => Assert.Equal("Pending", PodPhases.Compute(Spec("Always", 2), null, [Running("c0"), Waiting("c1")]));

    [Fact]
    public void Compute_CrashLoopBackOff_CountsAsStopped_Running() =>
        Assert.Equal("Running", PodPhases.Compute(Spec("Always"), null, [Waiting("c0", lastExit: 1)]));

    [Theory]
    [InlineData("Never", 0, "Succeeded")]
    [InlineData("Never", 1, "Failed")]
    [InlineData("OnFailure", 0, "Succeeded")]
    [InlineData("OnFailure", 1, "Running")]
    [InlineData("Always", 0, "Running")]
    public void Compute_AllExited_ByRestartPolicy(string policy, int code, string expected) =>
        Assert.Equal(expected, PodPhases.Compute(Spec(policy), null, [Exited("c0", code)]));

    [Theory]
    [InlineData(0, "Succeeded")]
    [InlineData(137, "Failed")]
    public void Compute_PodTerminal_AlwaysPolicy_SucceededOrFailed(int code, string expected) =>
        Assert.Equal(expected, PodPhases.Compute(Spec("Always"), null, [Exited("c0", code)], podIsTerminal: true));

    [Fact]
    public void Compute_InitRunning_Pending() =>
        Assert.Equal("Pending", PodPhases.Compute(Spec("Always", 1, new V1Container { Name = "i" }), [Running("i")], [Waiting("c0")]));

    [Fact]
    public void Compute_InitFailed_NeverPolicy_Failed() =>
        Assert.Equal("Failed", PodPhases.Compute(Spec("Never", 1, new V1Container { Name = "i" }), [Exited("i", 2)], [Waiting("c0")]));

    [Fact]
    public void Compute_SidecarRunning_ContainersRunning_Running() =>
        Assert.Equal("Running", PodPhases.Compute(
            Spec("Always", 1, new V1Container { Name = "side", RestartPolicy = "Always" }),
            [Running("side")],
            [Running("c0")]));

    [Fact]
    public void Compute_NoStatuses_Pending() => Assert.Equal("Pending", PodPhases.Compute(Spec("Always"), null, null));
}
