using System.Text.Json;
using System.Text.Json.Nodes;
using Capstan.Api.Registry;
using Capstan.ApiServer.Caching;

namespace Capstan.ApiServer.Admission;

/// <summary>
/// Kubernetes' DefaultStorageClass plugin: a new PersistentVolumeClaim with no storageClassName at all (absent, not "")
/// gets the default StorageClass (annotation <c>storageclass.kubernetes.io/is-default-class: "true"</c>; with several,
/// the newest). Without a default the claim is left as it is.
/// </summary>
public sealed class DefaultStorageClass(WatchCache cache) : IMutatingAdmission
{
    public const string DefaultAnnotation = "storageclass.kubernetes.io/is-default-class";
    public const string BetaDefaultAnnotation = "storageclass.beta.kubernetes.io/is-default-class";

    public string Name => "DefaultStorageClass";

    public void AdmitCreate(ResourceInfo resource, JsonObject obj)
    {
        if (resource.Group.Length != 0 || resource.Kind != "PersistentVolumeClaim" || obj["spec"] is not JsonObject spec || spec["storageClassName"] is not null
            || obj["metadata"]?["annotations"]?["volume.beta.kubernetes.io/storage-class"] is not null)
        {
            return;
        }

        if (cache.Registry.FindKind("storage.k8s.io", "StorageClass") is not { } classes)
        {
            return;
        }

        string? best = null;
        var bestCreated = "";
        foreach (var cached in cache.For(classes).List(classes.StoragePrefix))
        {
            if (JsonNode.Parse(cached.Json) is not JsonObject sc || !IsDefault(sc))
            {
                continue;
            }

            var created = sc["metadata"]?["creationTimestamp"]?.GetValue<string>() ?? "";
            if (best is null || string.CompareOrdinal(created, bestCreated) > 0 || (created == bestCreated && string.CompareOrdinal(cached.Name, best) < 0))
            {
                best = cached.Name;
                bestCreated = created;
            }
        }

        if (best is not null)
        {
            spec["storageClassName"] = best;
        }
    }

    private static bool IsDefault(JsonObject storageClass)
    {
        var annotations = storageClass["metadata"]?["annotations"] as JsonObject;
        return IsTrue(annotations?[DefaultAnnotation]) || IsTrue(annotations?[BetaDefaultAnnotation]);
    }

    private static bool IsTrue(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.String && string.Equals(v.GetValue<string>(), "true", StringComparison.OrdinalIgnoreCase);
}
