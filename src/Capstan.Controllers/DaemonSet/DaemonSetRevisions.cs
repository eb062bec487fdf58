using System.Text.Json.Nodes;
using Capstan.Api.Validation;
using Capstan.Client.Dynamic;
using Capstan.Controllers.Deployment;
using Capstan.Controllers.Ownership;

namespace Capstan.Controllers.DaemonSet;

/// <summary>
/// The ControllerRevisions that record a DaemonSet's template history: named &lt;ds&gt;-&lt;hash&gt;, labelled with the hash,
/// data the strategic-merge patch that restores the template ({"spec":{"template":{..., "$patch":"replace"}}}, what
/// kubectl rollout history and undo read) and revision a number one above the previous highest.
/// </summary>
internal static class DaemonSetRevisions
{
    /// <summary>The revision hash of the DaemonSet's current template (collisionCount folded in when set).</summary>
    public static string Hash(JsonObject ds)
    {
        var template = ds["spec"]?["template"] as JsonObject ?? new JsonObject();
        var collisionCount = (ds["status"] as JsonObject)?.Long("collisionCount");
        return PodTemplateHash.Compute(template, collisionCount);
    }

    public static string Name(JsonObject ds, string hash) => $"{ds.GetName()}-{hash}";

    public static JsonObject Data(JsonObject ds)
    {
        var template = ds["spec"]?["template"]?.DeepClone() as JsonObject ?? new JsonObject();
        template["$patch"] = "replace";
        return new JsonObject { ["spec"] = new JsonObject { ["template"] = template } };
    }

    public static JsonObject Build(JsonObject ds, string hash, long revision)
    {
        var labels = (ds["spec"]?["template"]?["metadata"]?["labels"]?.DeepClone() as JsonObject) ?? new JsonObject();
        labels[DaemonPods.RevisionHashLabel] = hash;
        return new JsonObject
        {
            ["apiVersion"] = "apps/v1",
            ["kind"] = "ControllerRevision",
            ["metadata"] = new JsonObject
            {
                ["name"] = Name(ds, hash),
                ["namespace"] = ds.GetNamespace(),
                ["labels"] = labels,
                ["ownerReferences"] = new JsonArray(ControllerRefs.For(ds)),
            },
            ["data"] = Data(ds),
            ["revision"] = revision,
        };
    }

    public static long Revision(JsonObject controllerRevision) => controllerRevision.Long("revision") ?? 0;
}
