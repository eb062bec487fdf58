using System.Globalization;

namespace Capstan.Bench.Network;

/// <summary>
/// CPU time (user + system) used so far by a process and its direct children (nginx's workers), from /proc. On a shared
/// machine requests/s follow whatever else runs; CPU time per request does much less.
/// </summary>
public static class ProcessCpu
{
    private static readonly double s_ticksPerSecond = 100; // USER_HZ on Linux

    public static TimeSpan Of(int pid)
    {
        double ticks = 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var candidate))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));

                // Fields after the parenthesised command: state(3) ppid(4) ... utime(14) stime(15).
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                var ppid = int.Parse(fields[1], CultureInfo.InvariantCulture);
                if (candidate == pid || ppid == pid)
                {
                    ticks += double.Parse(fields[11], CultureInfo.InvariantCulture) + double.Parse(fields[12], CultureInfo.InvariantCulture);
                }
            }
            catch (IOException)
            {
            }
        }

        return TimeSpan.FromSeconds(ticks / s_ticksPerSecond);
    }
}
