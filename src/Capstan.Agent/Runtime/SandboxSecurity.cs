namespace Capstan.Agent.Runtime;

/// <summary>The pod-level settings a sandbox needs (the pause container and the shared namespaces).</summary>
public sealed record SandboxSecurity
{
    public long? RunAsUser { get; init; }

    public long? RunAsGroup { get; init; }

    public IReadOnlyList<long> SupplementalGroups { get; init; } = [];

    /// <summary>True when any container of the pod is privileged (the CRI needs it on the sandbox too).</summary>
    public bool Privileged { get; init; }

    public SeccompProfile? Seccomp { get; init; }

    public IReadOnlyDictionary<string, string> Sysctls { get; init; } = new Dictionary<string, string>();
}
