namespace Capstan.Agent.Streaming;

/// <summary>
/// What the agent's streaming server (logs, exec, attach, port-forward) asks the pod workers: which runtime container
/// serves a pod's container now, or served it before its last restart, and where the pod can be reached.
/// </summary>
public interface IPodDirectory
{
    /// <summary>Null when the pod or container is unknown on this node, or (with <paramref name="previous"/>) has not restarted.</summary>
    ContainerRef? FindContainer(string ns, string podName, string containerName, bool previous);

    /// <summary>The containers of a pod in spec order (init containers first), for kubectl's default container and --all-containers.</summary>
    IReadOnlyList<string> ContainerNames(string ns, string podName);

    /// <summary>The pod's IP while its sandbox runs; null otherwise.</summary>
    string? PodIp(string ns, string podName);
}

/// <param name="Running">False for a container that has exited (logs work, exec and attach do not).</param>
public sealed record ContainerRef(string ContainerId, string LogPath, bool Running, bool Tty, bool Stdin);
