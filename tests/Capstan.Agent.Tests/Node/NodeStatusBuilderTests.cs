using Capstan.Agent.Node;

namespace Capstan.Agent.Tests.Node;

public sealed class NodeStatusBuilderTests
{
    private static readonly MachineInfo Machine = new(4, 8L << 30, 100L << 30, "mid", "uuid", "boot", "6.1.0", "Debian GNU/Linux 12 (bookworm)", "amd64", "host");
    private static readonly DateTime T0 = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    private static AgentOptions Options => new() { NodeName = "n1", DataDir = "/tmp/x", ReservedCpuMillis = 500, ReservedMemoryBytes = 1L << 30 };

    [Fact]
    public void Allocatable_IsCapacityMinusReserved()
    {
        var capacity = NodeStatusBuilder.Capacity(Options, Machine);
        var allocatable = NodeStatusBuilder.Allocatable(Options, Machine);
        Assert.Equal("4", capacity["cpu"].ToString());
        Assert.Equal(8m * 1024 * 1024 * 1024, capacity["memory"].ToDecimal());
        Assert.Equal("3500m", allocatable["cpu"].ToString());
        Assert.Equal(7m * 1024 * 1024 * 1024, allocatable["memory"].ToDecimal());
        Assert.Equal("110", allocatable["pods"].ToString());
    }

    [Fact]
    public void Build_KeepsTransitionTime_WhileStatusUnchanged()
    {
        var first = NodeStatusBuilder.Build(Options, Machine, "process", "1.0", null, T0);
        var second = NodeStatusBuilder.Build(Options, Machine, "process", "1.0", first.Conditions, T0.AddMinutes(1));
        var ready = second.Conditions.Single(c => c.Type == "Ready");
        Assert.Equal(T0, ready.LastTransitionTime);
        Assert.Equal(T0.AddMinutes(1), ready.LastHeartbeatTime);
        Assert.False(NodeStatusBuilder.Differs(second, first));
        Assert.Equal("process://1.0", second.NodeInfo.ContainerRuntimeVersion);
        Assert.Equal("Debian GNU/Linux 12 (bookworm)", second.NodeInfo.OsImage);
    }

    [Fact]
    public void Differs_ReadyUnknownOnServer_True()
    {
        var ours = NodeStatusBuilder.Build(Options, Machine, "process", "1.0", null, T0);
        var server = NodeStatusBuilder.Build(Options, Machine, "process", "1.0", null, T0);
        server.Conditions.Single(c => c.Type == "Ready").Status = "Unknown";
        Assert.True(NodeStatusBuilder.Differs(ours, server));
        Assert.True(NodeStatusBuilder.Differs(ours, null));
    }

    [Fact]
    public void Build_MemoryPressure_ConditionTrueWithKubeletReason()
    {
        var pressure = new Capstan.Agent.Eviction.NodePressureState();
        var calm = NodeStatusBuilder.Build(Options, Machine, "process", "1.0", null, T0, pressure);
        pressure.Set(memory: true, disk: false);

        var starved = NodeStatusBuilder.Build(Options, Machine, "process", "1.0", calm.Conditions, T0.AddMinutes(1), pressure);

        var memory = starved.Conditions.Single(c => c.Type == "MemoryPressure");
        Assert.Equal(("True", "KubeletHasInsufficientMemory", "kubelet has insufficient memory available"), (memory.Status, memory.Reason, memory.Message));
        Assert.Equal(T0.AddMinutes(1), memory.LastTransitionTime);
        Assert.Equal("False", starved.Conditions.Single(c => c.Type == "DiskPressure").Status);
        Assert.True(NodeStatusBuilder.Differs(starved, calm));
    }

    [Fact]
    public void Build_DiskPressure_ConditionTrue()
    {
        var pressure = new Capstan.Agent.Eviction.NodePressureState();
        pressure.Set(memory: false, disk: true);

        var disk = NodeStatusBuilder.Build(Options, Machine, "process", "1.0", null, T0, pressure).Conditions.Single(c => c.Type == "DiskPressure");

        Assert.Equal(("True", "KubeletHasDiskPressure"), (disk.Status, disk.Reason));
    }
}
