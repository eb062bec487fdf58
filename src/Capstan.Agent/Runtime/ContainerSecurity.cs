namespace Capstan.Agent.Runtime;

/// <summary>
/// A container's effective security settings: the pod's securityContext merged with the container's (the container's
/// wins), as the kubelet hands them to the CRI. Runtimes that cannot honour a setting say so by failing CreateContainer.
/// </summary>
public sealed record ContainerSecurity
{
    public long? RunAsUser { get; init; }

    public long? RunAsGroup { get; init; }

    /// <summary>The runtime refuses to start the container when it would run as uid 0 (the image's user counts).</summary>
    public bool RunAsNonRoot { get; init; }

    public bool ReadOnlyRootFilesystem { get; init; }

    public bool Privileged { get; init; }

    /// <summary>False sets no_new_privs; null leaves Kubernetes' default (escalation allowed).</summary>
    public bool? AllowPrivilegeEscalation { get; init; }

    /// <summary>Capability names without the CAP_ prefix, as in the pod spec ("NET_ADMIN", or "ALL" in drop).</summary>
    public IReadOnlyList<string> CapabilitiesAdd { get; init; } = [];

    public IReadOnlyList<string> CapabilitiesDrop { get; init; } = [];

    public IReadOnlyList<long> SupplementalGroups { get; init; } = [];

    public SeccompProfile? Seccomp { get; init; }
}

/// <param name="Type">"RuntimeDefault", "Unconfined" or "Localhost".</param>
/// <param name="LocalhostProfile">For Localhost: the profile's path relative to the runtime's seccomp root.</param>
public sealed record SeccompProfile(string Type, string? LocalhostProfile = null);
