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

    public TaskCompletionSource Exited { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ContainerStatus ToStatus() => new(
        Record.Id, Record.SandboxId, Record.Config.Name, Record.Config.Attempt, Record.Config.Image, State, Record.CreatedAt,
        StartedAt, FinishedAt, ExitCode, Reason, Message, Record.Config.LogPath, Record.Config.Labels);
}
