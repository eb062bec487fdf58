namespace Capstan.Agent.Runtime.Process;

/// <summary>
/// Per-container cgroups on the cgroup v1 memory and cpu hierarchies, under &lt;the agent's own cgroup&gt;/capstan so that
/// limits the agent itself runs under still apply. The memory group also lists a container's processes (to kill them
/// all). Under systemd, run the agent with KillMode=process, or a restart of the unit kills the pods.
/// </summary>
internal sealed class CgroupV1 : ICgroupHierarchy
{
    private const long CfsPeriodMicros = 100_000;
    private readonly string? _memoryBase;
    private readonly string? _cpuBase;

    private CgroupV1(string? memoryBase, string? cpuBase)
    {
        _memoryBase = memoryBase;
        _cpuBase = cpuBase;
    }

    /// <summary>Null when neither controller is mounted as cgroup v1 or writable here.</summary>
    public static CgroupV1? TryCreate(string root = "/sys/fs/cgroup")
    {
        var memory = TryBase(root, "memory");
        var cpu = TryBase(root, "cpu");
        return memory is null && cpu is null ? null : new CgroupV1(memory, cpu);
    }

    private static string? TryBase(string root, string controller)
    {
        var mount = Path.Combine(root, controller);
        if (!File.Exists(Path.Combine(mount, "cgroup.procs")))
        {
            return null;
        }

        var own = "/";
        try
        {
            foreach (var line in File.ReadAllLines("/proc/self/cgroup"))
            {
                var parts = line.Split(':', 3);
                if (parts.Length == 3 && parts[1].Split(',').Contains(controller))
                {
                    own = parts[2];
                }
            }

            var dir = Path.Combine(mount + own, "capstan");
            Directory.CreateDirectory(dir);
            return dir;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Creates the container's groups with its limits; returns their directories.</summary>
    public IReadOnlyList<string> Create(string containerId, ContainerResources resources)
    {
        var dirs = new List<string>();
        if (_memoryBase is not null)
        {
            var dir = Path.Combine(_memoryBase, containerId);
            Directory.CreateDirectory(dir);
            dirs.Add(dir);
            if (resources.MemoryLimitBytes is { } limit)
            {
                File.WriteAllText(Path.Combine(dir, "memory.limit_in_bytes"), limit.ToString());
                TryWrite(Path.Combine(dir, "memory.memsw.limit_in_bytes"), limit.ToString());
            }
        }

        // Joining a v1 cgroup costs the starting process milliseconds (a write lock over every task's cgroup membership),
        // so the cpu group exists only for containers with cpu resources; the memory group always does, to kill and account.
        if (_cpuBase is not null && (resources.CpuRequestMillis is not null || resources.CpuLimitMillis is not null))
        {
            var dir = Path.Combine(_cpuBase, containerId);
            Directory.CreateDirectory(dir);
            dirs.Add(dir);
            if (resources.CpuRequestMillis is { } request)
            {
                File.WriteAllText(Path.Combine(dir, "cpu.shares"), Math.Max(2, request * 1024 / 1000).ToString());
            }

            if (resources.CpuLimitMillis is { } cpuLimit)
            {
                // 500m with a 100 ms period: 50 ms of CPU time per period. The kernel's minimum quota is 1 ms.
                File.WriteAllText(Path.Combine(dir, "cpu.cfs_period_us"), CfsPeriodMicros.ToString());
                File.WriteAllText(Path.Combine(dir, "cpu.cfs_quota_us"), Math.Max(1000, cpuLimit * CfsPeriodMicros / 1000).ToString());
            }
        }

        return dirs;
    }

    internal static void TryWrite(string path, string value)
    {
        try
        {
            File.WriteAllText(path, value);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
