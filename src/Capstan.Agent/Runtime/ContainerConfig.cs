namespace Capstan.Agent.Runtime;

/// <summary>
/// A container as the runtime must start it: the agent has already resolved the pod spec (command and args with $(VAR)
/// expanded, env with downward API and ConfigMap/Secret values, volume host paths), so runtimes need no Kubernetes knowledge.
/// </summary>
/// <param name="Argv">The process to run, argv[0] first: <see cref="Command"/> then <see cref="Args"/>. Never empty for runtimes without
/// images (the process runtime has no image entrypoint to fall back on); may be empty for the CRI runtime.</param>
/// <param name="LogPath">File the runtime appends the container's stdout and stderr to, in the CRI log format
/// (<c>2016-10-06T00:17:09.669794202Z stdout F line</c>); &lt;pod log dir&gt;/&lt;container&gt;/&lt;attempt&gt;.log.</param>
/// <param name="Labels">Kept with the container and listed back (pod uid, container name, restart count, hash of the spec).</param>
public sealed record ContainerConfig(
    string Name,
    int Attempt,
    string Image,
    IReadOnlyList<string> Argv,
    IReadOnlyList<KeyValuePair<string, string>> Env,
    string? WorkingDir,
    IReadOnlyList<Mount> Mounts,
    ContainerResources Resources,
    string LogPath,
    bool Stdin,
    bool StdinOnce,
    bool Tty,
    IReadOnlyDictionary<string, string> Labels)
{
    /// <summary>The spec's command, $(VAR) expanded; empty runs the image's entrypoint (CRI runtime).</summary>
    public IReadOnlyList<string> Command { get; init; } = [];

    /// <summary>The spec's args, $(VAR) expanded; with an empty <see cref="Command"/> they replace the image's cmd.</summary>
    public IReadOnlyList<string> Args { get; init; } = [];

    /// <summary>The image reference resolved by the pull (image id); null lets the runtime resolve <see cref="Image"/>.</summary>
    public string? ImageRef { get; init; }

    public ContainerSecurity Security { get; init; } = new();

    public IReadOnlyDictionary<string, string> Annotations { get; init; } = new Dictionary<string, string>();
}

/// <summary>A host directory or file that appears at <paramref name="ContainerPath"/> inside the container.</summary>
/// <param name="Propagation">volumeMounts[].mountPropagation: None is private, HostToContainer is rslave, Bidirectional is rshared.</param>
public sealed record Mount(string HostPath, string ContainerPath, bool ReadOnly, MountPropagation Propagation = MountPropagation.None);

public enum MountPropagation
{
    None,
    HostToContainer,
    Bidirectional,
}

/// <summary>Limits the runtime enforces (null: none). CPU in millicores; shares derive from the request as the kubelet does (millis * 1024 / 1000, at least 2).</summary>
public sealed record ContainerResources(long? CpuRequestMillis, long? CpuLimitMillis, long? MemoryLimitBytes)
{
    public static ContainerResources None { get; } = new(null, null, null);
}
