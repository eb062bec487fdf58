using System.Text.Json.Nodes;
using Capstan.Api.Validation;
using Capstan.Client.Dynamic;
using Capstan.Controllers.Ownership;

namespace Capstan.Controllers.DaemonSet;

/// <summary>Builds daemon pods and reads which node one is meant for.</summary>
internal static class DaemonPods
{
    public const string RevisionHashLabel = "controller-revision-hash";

    /// <summary>spec.nodeName once bound, else the node its required affinity pins it to (matchFields metadata.name In [node]), as before the scheduler binds it.</summary>
    public static string TargetNode(JsonObject pod)
    {
        if (pod["spec"] is not JsonObject spec)
        {
            return "";
        }

        if (spec.StrOrEmpty("nodeName") is { Length: > 0 } bound)
        {
            return bound;
        }

        if (spec["affinity"]?["nodeAffinity"]?["requiredDuringSchedulingIgnoredDuringExecution"] is JsonObject required)
        {
            foreach (var (_, term) in required.Items("nodeSelectorTerms"))
            {
                foreach (var (_, field) in term.Items("matchFields"))
                {
                    var values = field.Strings("values");
                    if (field.StrOrEmpty("key") == "metadata.name" && field.StrOrEmpty("operator") == "In" && values.Count == 1)
                    {
                        return values[0];
                    }
                }
            }
        }

        return "";
    }

    public static string Hash(JsonObject pod) => (pod["metadata"]?["labels"] as JsonObject)?.StrOrEmpty(RevisionHashLabel) ?? "";

    /// <summary>
    /// The pod for <paramref name="nodeName"/>: the template's metadata and spec, the revision hash label, the default
    /// tolerations, and required node affinity replaced by a single matchFields term naming the node so the scheduler binds it there.
    /// </summary>
    public static JsonObject Build(JsonObject ds, string nodeName, string hash)
    {
        var template = ds["spec"]?["template"] as JsonObject ?? new JsonObject();
        var templateMeta = template["metadata"] as JsonObject;
        var meta = new JsonObject
        {
            ["generateName"] = ds.GetName() + "-",
            ["namespace"] = ds.GetNamespace(),
        };
        foreach (var field in new[] { "annotations", "finalizers" })
        {
            if (templateMeta?[field] is { } value)
            {
                meta[field] = value.DeepClone();
            }
        }

        var labels = templateMeta?["labels"]?.DeepClone() as JsonObject ?? new JsonObject();
        labels[RevisionHashLabel] = hash;
        meta["labels"] = labels;
        meta["ownerReferences"] = new JsonArray(ControllerRefs.For(ds));

        var spec = template["spec"]?.DeepClone() as JsonObject ?? new JsonObject();
        spec["tolerations"] = NodeEligibility.WithDefaultTolerations(spec);
        var affinity = spec.EnsureObj("affinity");
        var nodeAffinity = affinity.EnsureObj("nodeAffinity");
        nodeAffinity["requiredDuringSchedulingIgnoredDuringExecution"] = new JsonObject
        {
            ["nodeSelectorTerms"] = new JsonArray(new JsonObject
            {
                ["matchFields"] = new JsonArray(new JsonObject
                {
                    ["key"] = "metadata.name",
                    ["operator"] = "In",
                    ["values"] = new JsonArray(nodeName),
                }),
            }),
        };

        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = meta,
            ["spec"] = spec,
        };
    }
}
