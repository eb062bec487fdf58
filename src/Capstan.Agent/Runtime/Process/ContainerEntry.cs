namespace Capstan.Agent.Runtime.Process;

/// <summary>A container's live state in the runtime; guarded by the runtime's lock.</summary>
internal sealed class ContainerEntry(ContainerRecord record)
{
    public ContainerRecord Record { get; } = record;

    public ContainerState State { get; set; } = ContainerState.Created;

    public bool Starting { get; set; }

    public DateTimeOffset? StartedAt { get; set; }

    public DateTimeOffset? FinishedAt { get; set; }

    public int ExitCode { get; set; }

    public string? Reason { get; set; }

    public string? Message { get; set; }

    public int ShimPid { get; set; }

    public long ShimStartTime { get; set; }

    /// <summary>Host pid of the container's main process (also its process group).</summary>
    public int Pid { get; set; }

    /// <summary>The main process' start time from the shim's pid file; 0 in a pid file written before it was recorded.</summary>
    public long PidStartTime { get; set; }

    /// <summary>
    /// Whether <see cref="Pid"/> still names the main process. A dead process' pid is soon reused (pid_max is 32768 on
    /// many hosts) and a signal to it would hit a stranger: an adopted container whose shim and process died while no agent
    /// ran still says Running until the exit poll. Without a recorded start time, a live shim vouches for its child, which
    /// keeps its pid until the shim reaps it.
    /// </summary>
    public bool MainProcessIsAlive() =>
        PidStartTime > 0 ? ProcStat.IsAlive(Pid, PidStartTime) : ProcStat.IsAlive(ShimPid, ShimStartTime);

    public TaskCompletionSource Exited { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ContainerStatus ToStatus() => new(
        Record.Id, Record.SandboxId, Record.Config.Name, Record.Config.Attempt, Record.Config.Image, State, Record.CreatedAt,
        StartedAt, FinishedAt, ExitCode, Reason, Message, Record.Config.LogPath, Record.Config.Labels);
}
