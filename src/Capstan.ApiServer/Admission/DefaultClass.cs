using System.Text.Json;
using System.Text.Json.Nodes;
using Capstan.ApiServer.Caching;

namespace Capstan.ApiServer.Admission;

/// <summary>
/// The default of a class kind (StorageClass, IngressClass): the object annotated <c>"true"</c> with one of the given
/// annotations; with several, the newest (Kubernetes' rule), ties broken by name.
/// </summary>
internal static class DefaultClass
{
    public static string? Find(WatchCache cache, string group, string kind, params string[] annotations)
    {
        if (cache.Registry.FindKind(group, kind) is not { } classes)
        {
            return null;
        }

        string? best = null;
        var bestCreated = "";
        foreach (var cached in cache.For(classes).List(classes.StoragePrefix))
        {
            if (JsonNode.Parse(cached.Json) is not JsonObject candidate || !IsDefault(candidate, annotations))
            {
                continue;
            }

            var created = candidate["metadata"]?["creationTimestamp"]?.GetValue<string>() ?? "";
            if (best is null || string.CompareOrdinal(created, bestCreated) > 0 || (created == bestCreated && string.CompareOrdinal(cached.Name, best) < 0))
            {
                best = cached.Name;
                bestCreated = created;
            }
        }

        return best;
    }

    private static bool IsDefault(JsonObject candidate, string[] annotations)
    {
        var present = candidate["metadata"]?["annotations"] as JsonObject;
        return annotations.Any(a => present?[a] is JsonValue v && v.GetValueKind() == JsonValueKind.String
            && string.Equals(v.GetValue<string>(), "true", StringComparison.OrdinalIgnoreCase));
    }
}
