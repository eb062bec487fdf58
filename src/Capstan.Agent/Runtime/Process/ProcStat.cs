namespace Capstan.Agent.Runtime.Process;

/// <summary>Reads /proc/&lt;pid&gt;/stat to tell a live process from a dead one whose pid was reused.</summary>
internal static class ProcStat
{
    /// <summary>The process' start time in clock ticks since boot (field 22), or null when it does not exist or is a zombie.</summary>
    public static long? StartTime(int pid)
    {
        if (pid <= 0)
        {
            return null;
        }

        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }

        // The command name (field 2) may contain spaces and parentheses: fields after it start after the last ')'.
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        if (fields.Length < 20 || fields[0] == "Z" || fields[0] == "X")
        {
            return null;
        }

        return long.TryParse(fields[19], out var start) ? start : null;
    }

    public static bool IsAlive(int pid, long startTime) => StartTime(pid) == startTime;
}
