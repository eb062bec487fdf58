namespace Capstan.Agent.Runtime.Process;

/// <summary>A sandbox as persisted in &lt;state&gt;/sandboxes/&lt;id&gt;/sandbox.json.</summary>
/// <param name="InitPid">Host pid of the pod's PID 1 (0 without namespaces); <paramref name="InitStartTime"/> guards against pid reuse.</param>
internal sealed record SandboxRecord(
    string Id,
    PodSandboxConfig Config,
    string Ip,
    SandboxState State,
    DateTimeOffset CreatedAt,
    int InitPid,
    long InitStartTime);
