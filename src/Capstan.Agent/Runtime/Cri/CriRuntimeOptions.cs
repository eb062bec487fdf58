namespace Capstan.Agent.Runtime.Cri;

/// <summary>Settings of the <see cref="CriRuntime"/>.</summary>
/// <param name="Endpoint">The CRI runtime's socket: a path or unix:///path (containerd: /run/containerd/containerd.sock).</param>
public sealed record CriRuntimeOptions(string Endpoint)
{
    /// <summary>Deadline of each CRI call (image pulls excepted); a stop adds the container's grace period to it.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Deadline of an image pull (the kubelet has none but its context; a stuck registry must not hold a pod worker forever).</summary>
    public TimeSpan PullTimeout { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>How often containers are listed to raise <see cref="IContainerRuntime.ContainerChanged"/>: containerd 1.6 has no CRI event stream.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>A container's log is rotated (renamed, then the runtime reopens it) once it passes this size.</summary>
    public long MaxLogFileBytes { get; init; } = 10 * 1024 * 1024;

    /// <summary>Files kept per container log, the current one included (the kubelet's containerLogMaxFiles).</summary>
    public int MaxLogFiles { get; init; } = 5;

    /// <summary>How often log sizes are checked.</summary>
    public TimeSpan LogRotationInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The runtime handler (RuntimeClass) sandboxes run with; empty for the runtime's default.</summary>
    public string RuntimeHandler { get; init; } = "";

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
