namespace Capstan.Controllers.GarbageCollector;

/// <summary>What a live lookup found for one ownerReference of a dependent.</summary>
internal enum OwnerState
{
    /// <summary>The owner exists with the referenced uid.</summary>
    Exists,

    /// <summary>No object with that name and uid (in the dependent's namespace, for a namespaced owner).</summary>
    Absent,

    /// <summary>The owner is being deleted in the foreground and waits for its dependents.</summary>
    WaitingForDependents,

    /// <summary>A cluster-scoped dependent naming a namespaced owner: never resolvable, so never collected through it.</summary>
    Unresolvable,
}
