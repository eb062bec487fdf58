namespace Capstan.Agent.Runtime.Process;

/// <summary>What works the same on a container's cgroup directories in v1 and v2: listing, killing, OOM kills, removal.</summary>
internal static class CgroupTree
{
    public static IEnumerable<string> ProcsFiles(IReadOnlyList<string> dirs) => dirs.Select(d => Path.Combine(d, "cgroup.procs"));

    public static IReadOnlyList<int> Pids(IReadOnlyList<string> dirs)
    {
        var pids = new HashSet<int>();
        foreach (var file in ProcsFiles(dirs))
        {
            try
            {
                foreach (var line in File.ReadAllLines(file))
                {
                    if (int.TryParse(line, out var pid))
                    {
                        pids.Add(pid);
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }

        return [.. pids];
    }

    public static void KillAll(IReadOnlyList<string> dirs)
    {
        foreach (var pid in Pids(dirs))
        {
            Libc.kill(pid, Libc.SIGKILL);
        }
    }

    /// <summary>v1: memory.oom_control's oom_kill counter (else memory.failcnt on old kernels); v2: memory.events' oom_kill.</summary>
    public static bool WasOomKilled(IReadOnlyList<string> dirs)
    {
        foreach (var dir in dirs)
        {
            var control = Path.Combine(dir, "memory.oom_control");
            var events = Path.Combine(dir, "memory.events");
            var file = File.Exists(control) ? control : File.Exists(events) ? events : null;
            if (file is null)
            {
                continue;
            }

            try
            {
                foreach (var line in File.ReadAllLines(file))
                {
                    if (line.StartsWith("oom_kill ", StringComparison.Ordinal))
                    {
                        return long.Parse(line[9..]) > 0;
                    }
                }

                return file == control && long.Parse(File.ReadAllText(Path.Combine(dir, "memory.failcnt")).Trim()) > 0;
            }
            catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException)
            {
                return false;
            }
        }

        return false;
    }

    /// <summary>Kills what is left and removes the groups (rmdir fails while a process remains, so a few tries).</summary>
    public static void Remove(IReadOnlyList<string> dirs)
    {
        for (var attempt = 0; attempt < 20; attempt++)
        {
            KillAll(dirs);
            var left = false;
            foreach (var dir in dirs)
            {
                try
                {
                    if (Directory.Exists(dir))
                    {
                        Directory.Delete(dir);
                    }
                }
                catch (IOException)
                {
                    left = true;
                }
            }

            if (!left)
            {
                return;
            }

            Thread.Sleep(10);
        }
    }
}
