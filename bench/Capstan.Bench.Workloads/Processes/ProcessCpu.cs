using System.Globalization;
using System.Runtime.InteropServices;

namespace Capstan.Bench.Workloads.Processes;

/// <summary>CPU time (user + system) a process has used, from /proc/&lt;pid&gt;/stat.</summary>
public static partial class ProcessCpu
{
    private const int ScClkTck = 2;
    private static readonly long TicksPerSecond = Math.Max(1, SysConf(ScClkTck));

    public static TimeSpan? Used(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");

            // The command name (field 2) may hold spaces; fields are counted from the ')' that closes it.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var utime = long.Parse(fields[11], CultureInfo.InvariantCulture);
            var stime = long.Parse(fields[12], CultureInfo.InvariantCulture);
            return TimeSpan.FromSeconds((double)(utime + stime) / TicksPerSecond);
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>CPU time the whole machine spent busy (all cores: everything but idle and iowait), from /proc/stat.</summary>
    public static TimeSpan? MachineBusy()
    {
        try
        {
            var cpu = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
            var busy = cpu.Take(8).Sum() - cpu[3] - cpu[4];
            return TimeSpan.FromSeconds((double)busy / TicksPerSecond);
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>The 1-minute load average: other work on the machine skews every figure.</summary>
    public static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "?";
        }
    }

    [LibraryImport("libc", EntryPoint = "sysconf")]
    private static partial long SysConf(int name);
}
