namespace Capstan.Agent.Runtime;

public enum SandboxState
{
    Ready,
    NotReady,
}

public sealed record PodSandbox(
    string Id,
    string Namespace,
    string Name,
    string Uid,
    int Attempt,
    string Ip,
    SandboxState State,
    DateTimeOffset CreatedAt,
    IReadOnlyDictionary<string, string> Labels);
