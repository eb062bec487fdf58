namespace Capstan.Agent.Runtime;

public enum ContainerEventKind
{
    Started,
    Exited,
}

public sealed record ContainerEvent(ContainerEventKind Kind, string ContainerId, string SandboxId, IReadOnlyDictionary<string, string> Labels);
