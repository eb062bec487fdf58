namespace Capstan.Agent.Runtime;

/// <param name="LogDirectory">Where the pod's container logs go: &lt;data-dir&gt;/pods/logs/&lt;namespace&gt;_&lt;name&gt;_&lt;uid&gt;.</param>
/// <param name="Labels">Kept with the sandbox and listed back, so a restarted agent can tell which pod a sandbox belongs to.</param>
public sealed record PodSandboxConfig(
    string Namespace,
    string Name,
    string Uid,
    int Attempt,
    string Hostname,
    string LogDirectory,
    IReadOnlyDictionary<string, string> Labels)
{
    /// <summary>The pod's resolv.conf (from dnsPolicy and dnsConfig); null leaves the runtime's default (the host's).</summary>
    public SandboxDns? Dns { get; init; }

    /// <summary>hostPort mappings of the pod's containers (the CNI portmap plugin on the CRI runtime).</summary>
    public IReadOnlyList<PortMapping> PortMappings { get; init; } = [];

    /// <summary>spec.hostNetwork: the sandbox shares the node's network namespace and its IP.</summary>
    public bool HostNetwork { get; init; }

    /// <summary>The pod's cgroup (QoS class, then pod uid), relative to the runtime's cgroup root; null for the runtime's default.</summary>
    public string? CgroupParent { get; init; }

    public SandboxSecurity Security { get; init; } = new();

    /// <summary>
    /// The handler of the pod's RuntimeClass (empty without one): the CRI runtime passes it to RunPodSandbox so containerd
    /// picks the matching runtime; the process runtime has one way of running pods and ignores it.
    /// </summary>
    public string RuntimeHandler { get; init; } = "";

    public IReadOnlyDictionary<string, string> Annotations { get; init; } = new Dictionary<string, string>();
}

public sealed record SandboxDns(IReadOnlyList<string> Servers, IReadOnlyList<string> Searches, IReadOnlyList<string> Options);

/// <param name="Protocol">"TCP", "UDP" or "SCTP".</param>
/// <param name="HostIp">Null or empty binds every host address.</param>
public sealed record PortMapping(string Protocol, int ContainerPort, int HostPort, string? HostIp);
