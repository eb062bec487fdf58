using System.Text.Json.Nodes;
using Capstan.Api.Text;
using Capstan.Client.Dynamic;

namespace Capstan.Controllers.GarbageCollector;

/// <summary>One object in the garbage collector's graph: who it is, whom it names as owners, and its deletion state.</summary>
internal sealed record GraphNode(
    string Uid,
    ApiResource Resource,
    string Namespace,
    string Name,
    IReadOnlyList<OwnerReference> Owners,
    bool BeingDeleted,
    bool DeletingDependents,
    bool Orphaning)
{
    public static GraphNode From(ApiResource resource, JsonObject obj)
    {
        var deleting = obj.IsBeingDeleted();
        return new GraphNode(
            obj.GetUid(),
            resource,
            StringTable.Shared.Intern(obj.GetNamespace()),
            obj.GetName(),
            obj.GetOwnerReferences(),
            deleting,
            deleting && obj.HasFinalizer(GarbageCollector.ForegroundDeletionFinalizer),
            deleting && obj.HasFinalizer(GarbageCollector.OrphanFinalizer));
    }

    public bool BlocksOwner(string ownerUid) => Owners.Any(o => o.Uid == ownerUid && o.BlockOwnerDeletion);

    public override string ToString() => $"{Resource.GroupResource} {(Namespace.Length > 0 ? Namespace + "/" : "")}{Name} ({Uid})";
}
