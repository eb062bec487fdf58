using System.Text.Json;

namespace Capstan.Agent.Runtime.Process;

/// <summary>Exit tracking (the shims' exit files, a poll for dead shims) and re-adoption of what a previous instance started.</summary>
public sealed partial class ProcessRuntime
{
    private void ReadPidFile(ContainerEntry entry, string dir)
    {
        var path = Path.Combine(dir, "pid");
        var parts = File.ReadAllText(path).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        entry.ShimPid = int.Parse(parts[0]);
        entry.ShimStartTime = long.Parse(parts[1]);
        entry.Pid = int.Parse(parts[2]);
        entry.PidStartTime = parts.Length > 3 ? long.Parse(parts[3]) : 0;
        entry.StartedAt ??= new DateTimeOffset(File.GetLastWriteTimeUtc(path), TimeSpan.Zero);
    }

    private void OnExitFileEvent(string? name)
    {
        if (name is null || name.EndsWith(".tmp", StringComparison.Ordinal))
        {
            return;
        }

        ThreadPool.UnsafeQueueUserWorkItem(id => CheckExit(id), name, preferLocal: false);
    }

    /// <summary>Applies the exit file of a running container, if the shim has written it, and raises Exited.</summary>
    private void CheckExit(string containerId)
    {
        var path = Path.Combine(_exitDir, containerId);
        string text;
        try
        {
            if (!File.Exists(path))
            {
                return;
            }

            text = File.ReadAllText(path);
        }
        catch (IOException)
        {
            return;
        }

        ContainerEntry? entry;
        lock (_lock)
        {
            if (!_containers.TryGetValue(containerId, out entry) || entry.State == ContainerState.Exited || entry.Starting)
            {
                return;
            }

            ApplyExit(entry, text);
        }

        // Processes the container left behind in its cgroup end with it, as under containerd.
        CgroupTree.KillAll(entry.Record.CgroupDirs);
        Log.Exited(_logger, containerId, entry.Record.Config.Name, entry.ExitCode, entry.Reason);
        entry.Exited.TrySetResult();
        Raise(ContainerEventKind.Exited, entry);
    }

    private static void ApplyExit(ContainerEntry entry, string text)
    {
        var newline = text.IndexOf('\n');
        var head = (newline < 0 ? text : text[..newline]).Split(' ');
        // head: exit code, signal (0: none), finished unix ns.
        var message = newline < 0 ? "" : text[(newline + 1)..];
        entry.State = ContainerState.Exited;
        entry.ExitCode = int.Parse(head[0]);
        entry.FinishedAt = DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(head[2]) / 1_000_000);
        entry.Message = message.Length == 0 ? null : message;
        entry.Reason = entry.ExitCode switch
        {
            0 => "Completed",
            128 when entry.Pid == 0 || entry.Message is not null => "StartError",
            // As containerd reports it: any OOM kill in the container's cgroup, not only of its main process.
            _ when CgroupTree.WasOomKilled(entry.Record.CgroupDirs) => "OOMKilled",
            _ => "Error",
        };
    }

    /// <summary>Signals the container's process group (while its main process lives) and every process in its cgroup with SIGKILL.</summary>
    private static void KillAll(ContainerEntry entry)
    {
        if (entry.Pid > 0 && entry.State == ContainerState.Running && entry.MainProcessIsAlive())
        {
            Libc.kill(-entry.Pid, Libc.SIGKILL);
            Libc.kill(entry.Pid, Libc.SIGKILL);
        }

        CgroupTree.KillAll(entry.Record.CgroupDirs);
    }

    private async Task<bool> WaitExitedAsync(IReadOnlyList<ContainerEntry> entries, TimeSpan timeout, CancellationToken ct)
    {
        var running = entries.Where(e => e.State == ContainerState.Running).Select(e => e.Exited.Task).ToArray();
        if (running.Length == 0)
        {
            return true;
        }

        try
        {
            await Task.WhenAll(running).WaitAsync(timeout, _time, ct).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    private async Task PollAsync()
    {
        using var timer = new PeriodicTimer(_options.PollInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(_disposed.Token).ConfigureAwait(false))
            {
                Poll();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Catches exits the file watcher missed, and shims that died (SIGKILLed) without writing an exit status.</summary>
    private void Poll()
    {
        ContainerEntry[] running;
        lock (_lock)
        {
            running = [.. _containers.Values.Where(c => c.State == ContainerState.Running && !c.Starting)];
        }

        foreach (var entry in running)
        {
            CheckExit(entry.Record.Id);
            if (entry.State == ContainerState.Running && !ProcStat.IsAlive(entry.ShimPid, entry.ShimStartTime))
            {
                CheckExit(entry.Record.Id);
                lock (_lock)
                {
                    if (entry.State != ContainerState.Running)
                    {
                        continue;
                    }

                    KillAll(entry);
                    entry.State = ContainerState.Exited;
                    entry.ExitCode = 137;
                    entry.Reason = "Error";
                    entry.Message = "the container's shim died without recording an exit status";
                    entry.FinishedAt = _time.GetUtcNow();
                }

                Log.ShimDied(_logger, entry.Record.Id, entry.Record.Config.Name);
                entry.Exited.TrySetResult();
                Raise(ContainerEventKind.Exited, entry);
            }
        }
    }

    private void Load()
    {
        foreach (var dir in Directory.EnumerateDirectories(_sandboxDir))
        {
            var file = Path.Combine(dir, "sandbox.json");
            if (!File.Exists(file))
            {
                TryDeleteDirectory(dir);
                continue;
            }

            var record = JsonSerializer.Deserialize<SandboxRecord>(File.ReadAllText(file), Json)!;
            if (record.State == SandboxState.Ready && !_ips.Reserve(record.Ip))
            {
                // Outside this runtime's CIDR now, or a duplicate: it keeps running but loses its claim.
                record = record with { State = SandboxState.NotReady };
            }

            _sandboxes[record.Id] = record;
        }

        foreach (var dir in Directory.EnumerateDirectories(_containerDir))
        {
            var file = Path.Combine(dir, "container.json");
            if (!File.Exists(file))
            {
                TryDeleteDirectory(dir);
                continue;
            }

            var record = JsonSerializer.Deserialize<ContainerRecord>(File.ReadAllText(file), Json)!;
            var entry = new ContainerEntry(record);
            var exit = Path.Combine(_exitDir, record.Id);
            if (File.Exists(Path.Combine(dir, "pid")))
            {
                ReadPidFile(entry, dir);
                entry.State = ContainerState.Running;
                if (File.Exists(exit))
                {
                    ApplyExit(entry, File.ReadAllText(exit));
                }
            }
            else if (File.Exists(exit))
            {
                ApplyExit(entry, File.ReadAllText(exit));
            }

            if (entry.State != ContainerState.Running)
            {
                entry.Exited.TrySetResult();
            }

            _containers[record.Id] = entry;
        }
    }
}
