using Microsoft.Win32.SafeHandles;

namespace Capstan.Agent.Runtime.Process;

/// <summary>Reads /proc/&lt;pid&gt;/stat to tell a live process from a dead one whose pid was reused.</summary>
internal static class ProcStat
{
    private const uint PfExiting = 0x4;

    /// <summary>The process' start time in clock ticks since boot (field 22), or null when it does not exist or is a zombie.</summary>
    /// <remarks>
    /// Called for every sandbox each time the agent lists them (twice per pod start) and for every shim each second: one
    /// read into a stack buffer and a parse of the bytes, without the reader, strings and split of File.ReadAllText.
    /// </remarks>
    public static long? StartTime(int pid)
    {
        if (pid <= 0)
        {
            return null;
        }

        Span<byte> buffer = stackalloc byte[1024];
        int length;
        try
        {
            using SafeFileHandle handle = File.OpenHandle($"/proc/{pid}/stat");
            length = RandomAccess.Read(handle, buffer, 0);
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
        var text = buffer[..length];
        var close = text.LastIndexOf((byte)')');
        if (close < 0 || close + 2 >= text.Length)
        {
            return null;
        }

        var rest = text[(close + 2)..];
        if (rest[0] is (byte)'Z' or (byte)'X')
        {
            return null;
        }

        // The state is field 3, the flags field 9 and the start time field 22.
        for (var field = 3; field < 22; field++)
        {
            var space = rest.IndexOf((byte)' ');
            if (space < 0)
            {
                return null;
            }

            // PF_EXITING: killed and on its way out (a pod init waits there for the processes of its namespace), so dead.
            if (field == 9 && System.Buffers.Text.Utf8Parser.TryParse(rest[..space], out uint flags, out _) && (flags & PfExiting) != 0)
            {
                return null;
            }

            rest = rest[(space + 1)..];
        }

        var end = rest.IndexOf((byte)' ');
        return System.Buffers.Text.Utf8Parser.TryParse(end < 0 ? rest : rest[..end], out long start, out _) ? start : null;
    }

    public static bool IsAlive(int pid, long startTime) => StartTime(pid) == startTime;
}
