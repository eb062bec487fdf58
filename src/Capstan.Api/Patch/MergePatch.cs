using System.Text.Json.Nodes;

namespace Capstan.Api.Patch;

/// <summary>RFC 7386 JSON Merge Patch (<c>application/merge-patch+json</c>).</summary>
public static class MergePatch
{
    /// <summary>
    /// Returns <paramref name="target"/> with <paramref name="patch"/> merged in: objects merge key by key, null removes a key,
    /// anything else (arrays included) replaces. The inputs are not changed.
    /// </summary>
    public static JsonNode? Apply(JsonNode? target, JsonNode? patch) => MergeInto(target?.DeepClone(), patch);

    // target is our own copy and may be changed in place.
    private static JsonNode? MergeInto(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }

        var result = target as JsonObject ?? new JsonObject();
        foreach (var (key, value) in patchObject)
        {
            if (value is null)
            {
                result.Remove(key);
                continue;
            }

            var existing = result.TryGetPropertyValue(key, out var e) ? e : null;
            if (existing is not null)
            {
                result.Remove(key); // detach so it can be reused in place
            }

            result[key] = MergeInto(existing, value);
        }

        return result;
    }
}
