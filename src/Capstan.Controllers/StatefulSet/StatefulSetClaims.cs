using System.Text.Json.Nodes;
using Capstan.Api.Validation;
using Capstan.Client.Dynamic;

namespace Capstan.Controllers.StatefulSet;

/// <summary>
/// A StatefulSet's volumeClaimTemplates: one claim "&lt;template&gt;-&lt;set&gt;-&lt;ordinal&gt;" per template and ordinal,
/// mounted by that ordinal's pod in place of the template's volume, and kept when pods go away unless
/// persistentVolumeClaimRetentionPolicy says Delete: whenDeleted makes the set an owner of every claim (they go with
/// it), whenScaled makes a condemned pod (ordinal at or above replicas) the owner of its claims (they go with it).
/// </summary>
internal static class StatefulSetClaims
{
    public static IEnumerable<JsonObject> Templates(JsonObject set) =>
        (set["spec"] as JsonObject ?? new JsonObject()).Items("volumeClaimTemplates").Select(t => t.Item);

    public static string ClaimName(string templateName, string setName, int ordinal) => $"{templateName}-{setName}-{ordinal}";

    public static string TemplateName(JsonObject template) => (template["metadata"] as JsonObject)?.StrOrEmpty("name") ?? "";

    /// <summary>The claim for one ordinal: the template's metadata and spec, labelled with the set's selector labels too.</summary>
    public static JsonObject Build(JsonObject set, JsonObject template, int ordinal)
    {
        var meta = template["metadata"]?.DeepClone() as JsonObject ?? new JsonObject();
        meta.Remove("uid");
        meta.Remove("resourceVersion");
        meta.Remove("creationTimestamp");
        meta["name"] = ClaimName(TemplateName(template), set.GetName(), ordinal);
        meta["namespace"] = set.GetNamespace();
        var labels = meta["labels"] as JsonObject ?? new JsonObject();
        foreach (var (key, value) in (set["spec"]?["selector"]?["matchLabels"] as JsonObject) ?? new JsonObject())
        {
            labels[key] = value?.DeepClone();
        }

        meta["labels"] = labels;
        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "PersistentVolumeClaim",
            ["metadata"] = meta,
            ["spec"] = template["spec"]?.DeepClone() ?? new JsonObject(),
        };
    }

    /// <summary>Points the pod's volume of each template's name at that ordinal's claim (adding the volume when the template has none).</summary>
    public static void MountInto(JsonObject podSpec, JsonObject set, int ordinal)
    {
        var volumes = podSpec["volumes"] as JsonArray ?? new JsonArray();
        foreach (var template in Templates(set))
        {
            var name = TemplateName(template);
            var claim = new JsonObject { ["claimName"] = ClaimName(name, set.GetName(), ordinal) };
            var existing = volumes.OfType<JsonObject>().FirstOrDefault(v => v.StrOrEmpty("name") == name);
            if (existing is not null)
            {
                volumes.Remove(existing);
            }

            volumes.Add(new JsonObject { ["name"] = name, ["persistentVolumeClaim"] = claim });
        }

        if (volumes.Count > 0)
        {
            podSpec["volumes"] = volumes;
        }
    }

    public static bool DeleteWhenDeleted(JsonObject set) => set["spec"]?["persistentVolumeClaimRetentionPolicy"]?["whenDeleted"]?.ToString() == "Delete";

    public static bool DeleteWhenScaled(JsonObject set) => set["spec"]?["persistentVolumeClaimRetentionPolicy"]?["whenScaled"]?.ToString() == "Delete";

    /// <summary>
    /// The claim's ownerReferences as the retention policy wants them: references to other objects kept, the set's
    /// present exactly when whenDeleted is Delete, the condemned pod's present exactly when whenScaled is Delete and the
    /// ordinal is at or above replicas. Null when nothing changes.
    /// </summary>
    public static JsonArray? DesiredOwners(JsonObject claim, JsonObject set, JsonObject? pod, int ordinal, int replicas)
    {
        var current = claim["metadata"]?["ownerReferences"] as JsonArray ?? new JsonArray();

        // A condemned ordinal whose pod is gone keeps the reference to it: the garbage collector deletes the claim once
        // it sees the pod go, and a sync that dropped the reference first left the claim with no owner, for good (CI).
        var condemned = DeleteWhenScaled(set) && ordinal >= replicas;
        var keepPodReference = condemned && pod is null;
        var podName = StatefulSetOrdinals.PodName(set.GetName(), ordinal);
        var kept = current.OfType<JsonObject>()
            .Where(r => r.StrOrEmpty("uid") != set.GetUid()
                && (keepPodReference || !(r.StrOrEmpty("kind") == "Pod" && r.StrOrEmpty("name") == podName)))
            .Select(r => (JsonNode)r.DeepClone())
            .ToList();
        if (DeleteWhenDeleted(set))
        {
            kept.Add(new JsonObject
            {
                ["apiVersion"] = "apps/v1",
                ["kind"] = "StatefulSet",
                ["name"] = set.GetName(),
                ["uid"] = set.GetUid(),
                ["controller"] = true,
                ["blockOwnerDeletion"] = true,
            });
        }

        if (condemned && pod is not null)
        {
            kept.Add(new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "Pod",
                ["name"] = pod.GetName(),
                ["uid"] = pod.GetUid(),
                ["controller"] = false,
                ["blockOwnerDeletion"] = true,
            });
        }

        var desired = new JsonArray([.. kept]);
        return Normalize(current) == Normalize(desired) ? null : desired;
    }

    private static string Normalize(JsonArray refs) =>
        string.Join("|", refs.OfType<JsonObject>().Select(r => $"{r.StrOrEmpty("kind")}/{r.StrOrEmpty("uid")}/{r["controller"]}").Order(StringComparer.Ordinal));
}
