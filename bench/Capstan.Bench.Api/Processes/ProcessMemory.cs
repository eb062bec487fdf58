using System.Globalization;

namespace Capstan.Bench.Api.Processes;

/// <summary>Reads a process's resident set size from /proc/&lt;pid&gt;/status.</summary>
public static class ProcessMemory
{
    /// <returns>VmRSS in bytes, or null when the process is gone or /proc is missing.</returns>
    public static long? RssBytes(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (!line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    continue;
                }

                var parts = line["VmRSS:".Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return long.Parse(parts[0], CultureInfo.InvariantCulture) * 1024;
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return null;
    }
}
