namespace Capstan.Agent.Runtime.Process;

/// <summary>
/// Per-container cgroups on the unified (v2) hierarchy, under &lt;root&gt;/capstan: directly under the root because v2
/// forbids enabling controllers for children of a cgroup that holds processes (the agent's own). memory.max from the
/// limit (swap off so the limit means OOM), cpu.max from the cpu limit, cpu.weight from the request converted from
/// shares as the kubelet does.
/// </summary>
internal sealed class CgroupV2 : ICgroupHierarchy
{
    private const long CfsPeriodMicros = 100_000;
    private readonly string _base;
    private readonly bool _memory;
    private readonly bool _cpu;

    private CgroupV2(string @base, bool memory, bool cpu)
    {
        _base = @base;
        _memory = memory;
        _cpu = cpu;
    }

    /// <summary>Null unless &lt;root&gt; is a cgroup v2 mount where memory or cpu can be enabled for a capstan subtree.</summary>
    public static CgroupV2? TryCreate(string root = "/sys/fs/cgroup")
    {
        if (!File.Exists(Path.Combine(root, "cgroup.controllers")))
        {
            return null;
        }

        try
        {
            var available = File.ReadAllText(Path.Combine(root, "cgroup.controllers")).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var wanted = new[] { "memory", "cpu" }.Where(available.Contains).ToList();
            if (wanted.Count == 0)
            {
                return null;
            }

            var enable = string.Join(' ', wanted.Select(c => "+" + c));
            CgroupV1.TryWrite(Path.Combine(root, "cgroup.subtree_control"), enable);
            var @base = Path.Combine(root, "capstan");
            Directory.CreateDirectory(@base);
            CgroupV1.TryWrite(Path.Combine(@base, "cgroup.subtree_control"), enable);
            var enabled = File.ReadAllText(Path.Combine(@base, "cgroup.subtree_control"))
                .Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(c => c.TrimStart('+')).ToList();
            return new CgroupV2(@base, enabled.Contains("memory"), enabled.Contains("cpu"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public IReadOnlyList<string> Create(string containerId, ContainerResources resources)
    {
        var dir = Path.Combine(_base, containerId);
        Directory.CreateDirectory(dir);
        if (_memory && resources.MemoryLimitBytes is { } limit)
        {
            File.WriteAllText(Path.Combine(dir, "memory.max"), limit.ToString());
            CgroupV1.TryWrite(Path.Combine(dir, "memory.swap.max"), "0");
        }

        if (_cpu && resources.CpuLimitMillis is { } cpuLimit)
        {
            File.WriteAllText(Path.Combine(dir, "cpu.max"), $"{Math.Max(1000, cpuLimit * CfsPeriodMicros / 1000)} {CfsPeriodMicros}");
        }

        if (_cpu && resources.CpuRequestMillis is { } request)
        {
            // Shares as in v1 (1024 per CPU, at least 2), mapped onto weight's 1..10000 the way the kubelet does: 1024 shares → 39.
            var shares = Math.Max(2, request * 1024 / 1000);
            File.WriteAllText(Path.Combine(dir, "cpu.weight"), (1 + (shares - 2) * 9999 / 262142).ToString());
        }

        return [dir];
    }
}
