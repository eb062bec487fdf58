using System.Globalization;

namespace Capstan.TestServer.Lifecycle;

/// <summary>This process's resident memory and CPU time, as the kernel counts them (what cgroup limits act on).</summary>
internal static class ProcessStats
{
    /// <summary>VmRSS from /proc/self/status in bytes; 0 where there is no procfs.</summary>
    public static long ResidentBytes()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    var kib = line.AsSpan("VmRSS:".Length).Trim();
                    kib = kib.EndsWith("kB", StringComparison.Ordinal) ? kib[..^2].Trim() : kib;
                    return long.Parse(kib, CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return 0;
    }

    /// <summary>User plus system CPU time used so far.</summary>
    public static TimeSpan CpuTime() => Environment.CpuUsage.TotalTime;
}
