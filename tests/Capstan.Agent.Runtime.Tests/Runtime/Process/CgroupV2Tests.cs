using Capstan.Agent.Runtime;
using Capstan.Agent.Runtime.Process;

namespace Capstan.Agent.Runtime.Tests.Runtime.Process;

/// <summary>Against a directory tree shaped like /sys/fs/cgroup on a unified (v2) host: the files the kernel would read.</summary>
public sealed class CgroupV2Tests : IDisposable
{
    private readonly string _root = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "capstan-cg2-" + Guid.NewGuid().ToString("N")[..8])).FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Create_Limits_WritesMaxWeightAndSwap()
    {
        File.WriteAllText(Path.Combine(_root, "cgroup.controllers"), "cpuset cpu io memory pids\n");
        Directory.CreateDirectory(Path.Combine(_root, "capstan"));
        var hierarchy = CgroupV2.TryCreate(_root);
        Assert.NotNull(hierarchy);
        Assert.Equal("+memory +cpu", File.ReadAllText(Path.Combine(_root, "capstan", "cgroup.subtree_control")));

        var dirs = hierarchy.Create("c1", new ContainerResources(1000, 500, 64 * 1024 * 1024));

        var dir = Assert.Single(dirs);
        Assert.Equal((64 * 1024 * 1024).ToString(), File.ReadAllText(Path.Combine(dir, "memory.max")));
        Assert.Equal("0", File.ReadAllText(Path.Combine(dir, "memory.swap.max")));
        Assert.Equal("50000 100000", File.ReadAllText(Path.Combine(dir, "cpu.max")));
        Assert.Equal("39", File.ReadAllText(Path.Combine(dir, "cpu.weight")));
    }

    [Fact]
    public void WasOomKilled_MemoryEventsCounter_Read()
    {
        var dir = Directory.CreateDirectory(Path.Combine(_root, "c2")).FullName;
        File.WriteAllText(Path.Combine(dir, "memory.events"), "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n");

        Assert.True(CgroupTree.WasOomKilled([dir]));
        File.WriteAllText(Path.Combine(dir, "memory.events"), "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n");
        Assert.False(CgroupTree.WasOomKilled([dir]));
    }

    [Fact]
    public void TryCreate_V1Tree_Null() => Assert.Null(CgroupV2.TryCreate(_root));
}
