using System.Text.Json.Nodes;
using Capstan.Api.Validation;
using Capstan.Client.Dynamic;
using Capstan.Controllers.Deployment;
using Capstan.Controllers.Ownership;

namespace Capstan.Controllers.StatefulSet;

/// <summary>
/// ControllerRevisions of a StatefulSet: "&lt;set&gt;-&lt;hash&gt;", labelled like the pod template (so kubectl finds them through
/// the set's selector), owned by the set, holding the template as a strategic-merge patch that replaces spec.template
/// (the shape kubectl rollout history and undo apply), numbered from 1.
/// </summary>
internal static class StatefulSetRevisions
{
    public const string HashLabel = "controller.kubernetes.io/hash";

    public static long Number(JsonObject revision) => revision.Long("revision") ?? 0;

    public static JsonObject Build(JsonObject set, JsonObject template, string hash, long number)
    {
        var labels = template["metadata"]?["labels"]?.DeepClone() as JsonObject ?? new JsonObject();
        labels[HashLabel] = hash;
        var patchTemplate = (JsonObject)template.DeepClone();
        patchTemplate["$patch"] = "replace";
        return new JsonObject
        {
            ["apiVersion"] = "apps/v1",
            ["kind"] = "ControllerRevision",
            ["metadata"] = new JsonObject
            {
                ["name"] = $"{set.GetName()}-{hash}",
                ["namespace"] = set.GetNamespace(),
                ["labels"] = labels,
                ["ownerReferences"] = new JsonArray(ControllerRefs.For(set)),
            },
            ["data"] = new JsonObject { ["spec"] = new JsonObject { ["template"] = patchTemplate } },
            ["revision"] = number,
        };
    }

    /// <summary>The pod template a revision records, without the patch directive.</summary>
    public static JsonObject? TemplateOf(JsonObject revision)
    {
        if (revision["data"]?["spec"]?["template"] is not JsonObject template)
        {
            return null;
        }

        var copy = (JsonObject)template.DeepClone();
        copy.Remove("$patch");
        return copy;
    }

    public static bool Matches(JsonObject revision, JsonObject template) =>
        TemplateOf(revision) is { } recorded && PodTemplateHash.Canonical(recorded) == PodTemplateHash.Canonical(template);
}
