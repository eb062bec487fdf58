using SysProcess = System.Diagnostics.Process;
using SysProcessStartInfo = System.Diagnostics.ProcessStartInfo;

namespace Capstan.Agent.Runtime.Process;

public sealed partial class ProcessRuntime
{
    public async Task<ExecSyncResult> ExecSyncAsync(string containerId, IReadOnlyList<string> command, TimeSpan timeout, CancellationToken ct)
    {
        using var process = StartExec(RunningContainer(containerId), command, ptySlave: "");
        process.StandardInput.Close();
        var stdout = new MemoryStream();
        var stderr = new MemoryStream();
        using var io = new CancellationTokenSource();
        var copies = Task.WhenAll(
            process.StandardOutput.BaseStream.CopyToAsync(stdout, io.Token),
            process.StandardError.BaseStream.CopyToAsync(stderr, io.Token));
        var timedOut = false;
        try
        {
            // CRI: a zero timeout means none.
            await process.WaitForExitAsync(ct).WaitAsync(timeout <= TimeSpan.Zero ? Timeout.InfiniteTimeSpan : timeout, _time, ct).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            timedOut = true;
        }
        catch (OperationCanceledException)
        {
            KillQuietly(process);
            throw;
        }

        if (timedOut)
        {
            KillQuietly(process);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        }

        // A background child of the command may hold the pipes open: its output is not waited for long.
        try
        {
            await copies.WaitAsync(TimeSpan.FromSeconds(1), _time, CancellationToken.None).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            io.Cancel();
            try
            {
                await copies.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        return new ExecSyncResult(timedOut ? -1 : process.ExitCode, stdout.ToArray(), stderr.ToArray(), timedOut);
    }

    public Task<IStreamSession> ExecAsync(string containerId, ExecRequest request, CancellationToken ct)
    {
        var entry = RunningContainer(containerId);
        if (!request.Tty)
        {
            var process = StartExec(entry, request.Command, ptySlave: "");
            return Task.FromResult<IStreamSession>(new ExecSession(process, request));
        }

        var pty = Pty.Open();
        try
        {
            var process = StartExec(entry, request.Command, pty.SlavePath);
            return Task.FromResult<IStreamSession>(new PtyExecSession(process, pty));
        }
        catch
        {
            pty.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Output is the container's log from now on, stripped of the CRI prefix (a TTY container's terminal output is all
    /// stdout); stdin is the FIFO the shim keeps open for a container created with Stdin, copied into the terminal for a
    /// TTY container. Resize reaches a TTY container's terminal through the shim.
    /// </summary>
    public Task<IStreamSession> AttachAsync(string containerId, bool tty, CancellationToken ct)
    {
        var entry = RunningContainer(containerId);
        var dir = Path.Combine(_containerDir, containerId);
        Stream? stdin = null;
        if (entry.Record.Config.Stdin)
        {
            stdin = FifoWriter.Open(Path.Combine(dir, "stdin"));
        }

        var shimPid = entry.ShimPid;
        var shimStart = entry.ShimStartTime;
        void Signal(int signal)
        {
            if (ProcStat.IsAlive(shimPid, shimStart))
            {
                Libc.kill(shimPid, signal);
            }
        }

        // stdinOnce: the first attach ends the container's stdin. The shim drops its keeper end of the FIFO on USR1.
        Action? onClose = entry.Record.Config.StdinOnce && stdin is not null ? () => Signal(Libc.SIGUSR1) : null;
        Action<ushort, ushort>? resize = entry.Record.Config.Tty
            ? (columns, rows) =>
            {
                File.WriteAllText(Path.Combine(dir, "winsize"), $"{rows} {columns}\n");
                Signal(Libc.SIGWINCH);
            }
            : null;
        var exitCode = entry.Exited.Task.ContinueWith(_ => entry.ExitCode, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return Task.FromResult<IStreamSession>(new AttachSession(entry.Record.Config.LogPath, stdin, entry.Record.Config.Tty, exitCode, onClose, resize));
    }

    private ContainerEntry RunningContainer(string containerId)
    {
        lock (_lock)
        {
            var entry = GetContainer(containerId);
            return entry.State == ContainerState.Running
                ? entry
                : throw new InvalidOperationException($"container {containerId} is not running");
        }
    }

    private SysProcess StartExec(ContainerEntry entry, IReadOnlyList<string> command, string ptySlave)
    {
        if (command.Count == 0)
        {
            throw new ArgumentException("exec needs a command", nameof(command));
        }

        SandboxRecord sandbox;
        lock (_lock)
        {
            sandbox = _sandboxes[entry.Record.SandboxId];
        }

        EnsurePodInitAlive(sandbox);
        if (ptySlave.Length > 0 && _syscalls is null)
        {
            throw new NotSupportedException("exec with a TTY is not supported on this CPU architecture");
        }

        var info = new SysProcessStartInfo(_perl)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(_execPath);
        info.ArgumentList.Add(sandbox.InitPid.ToString());
        info.ArgumentList.Add(_syscalls is { } nr ? $"{nr.Setns} {nr.Setsid} {nr.Prctl}" : "0 0 0");
        info.ArgumentList.Add(entry.Record.WorkingDir);
        info.ArgumentList.Add(string.Join('\n', CgroupTree.ProcsFiles(entry.Record.CgroupDirs)));
        info.ArgumentList.Add(ptySlave);
        foreach (var arg in command)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment.Clear();
        foreach (var (key, value) in entry.Record.Env)
        {
            info.Environment[key] = value;
        }

        return SysProcess.Start(info) ?? throw new InvalidOperationException("could not start the exec helper");
    }

    internal static void KillQuietly(SysProcess process)
    {
        try
        {
            process.Kill();
        }
        catch (InvalidOperationException)
        {
        }
    }
}
