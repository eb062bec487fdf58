namespace Capstan.Agent.Runtime;

public enum ContainerState
{
    Created,
    Running,
    Exited,
    Unknown,
}

/// <param name="Reason">For an exited container: "Completed" (exit 0), "Error", "OOMKilled" (killed by the memory limit).</param>
public sealed record ContainerStatus(
    string Id,
    string SandboxId,
    string Name,
    int Attempt,
    string Image,
    ContainerState State,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    int ExitCode,
    string? Reason,
    string? Message,
    string LogPath,
    IReadOnlyDictionary<string, string> Labels)
{
    /// <summary>The image id the container runs (status.containerStatuses[].imageID); null when the runtime has no images.</summary>
    public string? ImageRef { get; init; }
}
