namespace Capstan.Agent.Runtime.Process;

/// <summary>A container as persisted in &lt;state&gt;/containers/&lt;id&gt;/container.json; its run state lives in the shim's pid and exit files.</summary>
internal sealed record ContainerRecord(
    string Id,
    string SandboxId,
    ContainerConfig Config,
    DateTimeOffset CreatedAt,
    string WorkingDir,
    IReadOnlyList<KeyValuePair<string, string>> Env,
    IReadOnlyList<string> CgroupDirs);
