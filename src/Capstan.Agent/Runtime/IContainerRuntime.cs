namespace Capstan.Agent.Runtime;

/// <summary>
/// What the agent needs from a container runtime, shaped like the CRI v1 RuntimeService so that the process runtime,
/// the fake runtime and the CRI runtime (containerd) sit behind one seam. A pod is a sandbox (its IP and shared namespaces)
/// plus containers created in it. The runtime keeps its own state so that a restarted agent can list what still runs.
/// Expected outcomes (a container not found, a process that exited) are results; exceptions mean the runtime failed.
/// </summary>
public interface IContainerRuntime
{
    /// <summary>"process", "fake", "cri"; reported in the Node's nodeInfo.containerRuntimeVersion as name://version.</summary>
    string Name { get; }

    string Version { get; }

    /// <summary>The runtime's image service; null for runtimes that run no images (process, fake).</summary>
    IImageService? Images => null;

    /// <summary>Raised (on any thread) when a container starts or exits, so the pod's worker wakes at once instead of at its next resync.</summary>
    event EventHandler<ContainerEvent>? ContainerChanged;

    /// <summary>Creates the pod's sandbox: allocates its IP, namespaces, and directories. Idempotent per (uid, attempt).</summary>
    Task<PodSandbox> RunPodSandboxAsync(PodSandboxConfig config, CancellationToken ct);

    /// <summary>Stops every container of the sandbox (SIGKILL: the agent has already run the graceful stops) and releases its IP.</summary>
    Task StopPodSandboxAsync(string sandboxId, CancellationToken ct);

    /// <summary>Removes a stopped sandbox with its containers and their state (log files are the agent's to remove).</summary>
    Task RemovePodSandboxAsync(string sandboxId, CancellationToken ct);

    Task<IReadOnlyList<PodSandbox>> ListPodSandboxesAsync(CancellationToken ct);

    /// <summary>Creates (does not start) a container in a sandbox; returns its id.</summary>
    Task<string> CreateContainerAsync(string sandboxId, ContainerConfig config, CancellationToken ct);

    Task StartContainerAsync(string containerId, CancellationToken ct);

    /// <summary>SIGTERM, then SIGKILL once <paramref name="gracePeriod"/> has passed; returns when the container has exited.</summary>
    Task StopContainerAsync(string containerId, TimeSpan gracePeriod, CancellationToken ct);

    Task RemoveContainerAsync(string containerId, CancellationToken ct);

    /// <summary>Containers of one sandbox, or of all sandboxes when <paramref name="sandboxId"/> is null, exited ones included until removed.</summary>
    Task<IReadOnlyList<ContainerStatus>> ListContainersAsync(string? sandboxId, CancellationToken ct);

    /// <summary>Null when the container is unknown.</summary>
    Task<ContainerStatus?> ContainerStatusAsync(string containerId, CancellationToken ct);

    /// <summary>Runs a command in a running container and collects its output (exec probes, lifecycle hooks).</summary>
    Task<ExecSyncResult> ExecSyncAsync(string containerId, IReadOnlyList<string> command, TimeSpan timeout, CancellationToken ct);

    /// <summary>Starts an interactive command in a running container (kubectl exec); the caller pumps the session's streams.</summary>
    Task<IStreamSession> ExecAsync(string containerId, ExecRequest request, CancellationToken ct);

    /// <summary>Attaches to a running container's stdio (kubectl attach): its output from now on, and its stdin when it was created with Stdin.</summary>
    Task<IStreamSession> AttachAsync(string containerId, bool tty, CancellationToken ct);
}
