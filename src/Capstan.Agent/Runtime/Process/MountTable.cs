using System.Text.RegularExpressions;

namespace Capstan.Agent.Runtime.Process;

/// <summary>The mount points this process sees (<c>/proc/self/mountinfo</c>), for releasing mounts a pod left behind.</summary>
public static partial class MountTable
{
    /// <summary>Every mount point, unescaped; empty where there is no mountinfo.</summary>
    public static IReadOnlyList<string> MountPoints()
    {
        try
        {
            // Field 5 is the mount point, with space, tab, newline and backslash written as octal escapes.
            return [.. File.ReadLines("/proc/self/mountinfo")
                .Select(line => line.Split(' '))
                .Where(fields => fields.Length > 4)
                .Select(fields => OctalEscape().Replace(fields[4], m => ((char)Convert.ToInt32(m.Groups[1].Value, 8)).ToString()))];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    [GeneratedRegex(@"\\([0-7]{3})")]
    private static partial Regex OctalEscape();
}
