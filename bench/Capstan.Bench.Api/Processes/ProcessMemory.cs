using System.Globalization;

namespace Capstan.Bench.Api.Processes;

/// <summary>Reads a process's resident set size from /proc/&lt;pid&gt;/status.</summary>
public static class ProcessMemory
{
    /// <returns>VmRSS in bytes, or null when the process is gone or /proc is missing.</returns>
    public static long? RssBytes(int pid) => Field(pid, "VmRSS");

    /// <summary>RSS split into anonymous memory (heaps) and file-backed pages (mapped binaries and libraries), for diagnosis.</summary>
    public static string Breakdown(int pid) =>
        $"anon {Mib(Field(pid, "RssAnon"))} MiB, file {Mib(Field(pid, "RssFile"))} MiB";

    private static string Mib(long? bytes) => bytes is null ? "?" : (bytes.Value / 1048576.0).ToString("F1", CultureInfo.InvariantCulture);

    private static long? Field(int pid, string name)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (!line.StartsWith(name + ":", StringComparison.Ordinal))
                {
                    continue;
                }

                var parts = line[(name.Length + 1)..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
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
