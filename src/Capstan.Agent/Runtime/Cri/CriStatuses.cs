using V1 = Capstan.Agent.Runtime.Cri.V1;

namespace Capstan.Agent.Runtime.Cri;

/// <summary>Turns CRI v1 replies into the runtime seam's records.</summary>
internal static class CriStatuses
{
    /// <summary>CRI timestamps are nanoseconds since the Unix epoch; 0 means unset.</summary>
    public static DateTimeOffset? Time(long nanos) =>
        nanos <= 0 ? null : DateTimeOffset.UnixEpoch.AddTicks(nanos / 100);

    public static ContainerState State(V1.ContainerState state) => state switch
    {
        V1.ContainerState.ContainerCreated => ContainerState.Created,
        V1.ContainerState.ContainerRunning => ContainerState.Running,
        V1.ContainerState.ContainerExited => ContainerState.Exited,
        _ => ContainerState.Unknown,
    };

    public static ContainerStatus Container(V1.ContainerStatus status, string sandboxId)
    {
        var state = State(status.State);
        return new ContainerStatus(
            status.Id,
            sandboxId,
            status.Metadata?.Name ?? "",
            (int)(status.Metadata?.Attempt ?? 0),
            status.Image?.Image ?? "",
            state,
            Time(status.CreatedAt) ?? DateTimeOffset.UnixEpoch,
            Time(status.StartedAt),
            state == ContainerState.Exited ? Time(status.FinishedAt) : null,
            status.ExitCode,
            string.IsNullOrEmpty(status.Reason) ? null : status.Reason,
            string.IsNullOrEmpty(status.Message) ? null : status.Message,
            status.LogPath,
            new Dictionary<string, string>(status.Labels))
        {
            ImageRef = string.IsNullOrEmpty(status.ImageRef) ? null : status.ImageRef,
        };
    }

    public static PodSandbox Sandbox(V1.PodSandbox sandbox, string ip) => new(
        sandbox.Id,
        sandbox.Metadata?.Namespace ?? "",
        sandbox.Metadata?.Name ?? "",
        sandbox.Metadata?.Uid ?? "",
        (int)(sandbox.Metadata?.Attempt ?? 0),
        ip,
        sandbox.State == V1.PodSandboxState.SandboxReady ? SandboxState.Ready : SandboxState.NotReady,
        Time(sandbox.CreatedAt) ?? DateTimeOffset.UnixEpoch,
        new Dictionary<string, string>(sandbox.Labels));

    public static CriContainerStats Stats(V1.ContainerStats stats) => new(
        stats.Attributes?.Id ?? "",
        stats.Attributes?.Metadata?.Name ?? "",
        stats.Attributes is null ? new Dictionary<string, string>() : new Dictionary<string, string>(stats.Attributes.Labels),
        Time(stats.Cpu?.Timestamp ?? stats.Memory?.Timestamp ?? 0) ?? DateTimeOffset.UtcNow,
        stats.Cpu?.UsageNanoCores?.Value,
        stats.Cpu?.UsageCoreNanoSeconds?.Value,
        stats.Memory?.WorkingSetBytes?.Value,
        stats.Memory?.UsageBytes?.Value,
        stats.WritableLayer?.UsedBytes?.Value);
}
