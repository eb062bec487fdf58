using System.Globalization;

namespace Capstan.Bench.Workloads.Measurement;

/// <summary>
/// A cgroup v1 cpuacct group this process moves itself into, so that the CPU of everything it spawns (the pods'
/// perl inits, shims and test servers, which the process runtime moves into memory and cpu groups but not cpuacct)
/// is counted apart from the other work on the machine. Null where there is no cpuacct hierarchy or no permission.
/// </summary>
public sealed class CpuAccount : IDisposable
{
    private const string Root = "/sys/fs/cgroup/cpuacct";
    private readonly string _dir;
    private readonly string _previous;

    private CpuAccount(string dir, string previous)
    {
        _dir = dir;
        _previous = previous;
    }

    public static CpuAccount? TryCreate()
    {
        try
        {
            var line = File.ReadLines("/proc/self/cgroup").FirstOrDefault(l => l.Split(':') is [_, var controllers, _] && controllers.Split(',').Contains("cpuacct"));
            if (line is null || !Directory.Exists(Root))
            {
                return null;
            }

            var previous = Path.Combine(Root, line.Split(':')[2].TrimStart('/'));
            var dir = Path.Combine(Root, "capstan-bench-floor-" + Guid.NewGuid().ToString("N")[..8]);
            Directory.CreateDirectory(dir);
            File.WriteAllText(Path.Combine(dir, "cgroup.procs"), Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
            return new CpuAccount(dir, previous);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>CPU used by the group's processes (and those that left it), in ms.</summary>
    public double UsedMs => long.Parse(File.ReadAllText(Path.Combine(_dir, "cpuacct.usage")).Trim(), CultureInfo.InvariantCulture) / 1e6;

    public void Dispose()
    {
        try
        {
            File.WriteAllText(Path.Combine(_previous, "cgroup.procs"), Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
            for (var i = 0; i < 50; i++)
            {
                try
                {
                    Directory.Delete(_dir);
                    return;
                }
                catch (IOException)
                {
                    // Pod processes still leaving.
                    Thread.Sleep(100);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }
}
