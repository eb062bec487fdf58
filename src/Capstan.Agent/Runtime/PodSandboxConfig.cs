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
    IReadOnlyDictionary<string, string> Labels);
