namespace Capstan.Agent.Runtime.Process;

/// <summary>Settings of the <see cref="ProcessRuntime"/>.</summary>
/// <param name="StateDirectory">Where sandboxes, containers and the shims' pid and exit files live (&lt;data-dir&gt;/agent/runtime).
/// A new runtime over the same directory re-adopts what still runs.</param>
/// <param name="PodCidr">Pod IPs are taken from it; loopback addresses (127.0.0.0/8) route to lo on Linux with no setup.</param>
public sealed record ProcessRuntimeOptions(string StateDirectory)
{
    public string PodCidr { get; init; } = "127.10.0.0/16";

    public long MaxLogFileBytes { get; init; } = 10 * 1024 * 1024;

    /// <summary>Files kept per container log, the current one included (the kubelet's containerLogMaxFiles).</summary>
    public int MaxLogFiles { get; init; } = 5;

    /// <summary>Private mount, PID, UTS and IPC namespaces per pod; needs root on Linux and util-linux <c>unshare</c>.</summary>
    public bool UseNamespaces { get; init; } = ProcessRuntimeDefaults.IsRootOnLinux;

    /// <summary>Memory and cpu limits per container through cgroup v2 (unified) or v1; needs root.</summary>
    public bool UseCgroups { get; init; } = ProcessRuntimeDefaults.IsRootOnLinux;

    /// <summary>How often running containers are checked for shims that died without writing an exit status (exits are otherwise seen at once).</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
