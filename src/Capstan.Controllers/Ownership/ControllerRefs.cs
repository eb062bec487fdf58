using System.Text.Json.Nodes;
using Capstan.Client.Dynamic;

namespace Capstan.Controllers.Ownership;

/// <summary>Reads and builds the controller ownerReference (controller: true) that ties a pod to its ReplicaSet, a ReplicaSet to its Deployment.</summary>
internal static class ControllerRefs
{
    public static OwnerReference? ControllerOf(JsonObject obj) => obj.GetOwnerReferences().FirstOrDefault(r => r.Controller);

    /// <summary>The reference an owner puts on what it creates or adopts: controller and blockOwnerDeletion both true.</summary>
    public static JsonObject For(JsonObject owner) => new()
    {
        ["apiVersion"] = owner.GetApiVersion(),
        ["kind"] = owner.GetKind(),
        ["name"] = owner.GetName(),
        ["uid"] = owner.GetUid(),
        ["controller"] = true,
        ["blockOwnerDeletion"] = true,
    };
}
