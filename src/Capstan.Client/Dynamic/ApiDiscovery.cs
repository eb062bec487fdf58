using System.Text.Json.Nodes;

namespace Capstan.Client.Dynamic;

/// <summary>Reads /api/v1 and /apis (plus each group's preferred version) into the list of resources the server serves.</summary>
public static class ApiDiscovery
{
    /// <summary>
    /// Every top-level resource (no subresources) in the preferred version of each group: one entry per kind of stored
    /// object, so nothing is listed twice through two versions.
    /// </summary>
    public static async Task<IReadOnlyList<ApiResource>> DiscoverAsync(DynamicClient client, CancellationToken ct)
    {
        var result = new List<ApiResource>();
        result.AddRange(Parse("", "v1", await client.GetPathAsync("api/v1", ct).ConfigureAwait(false)));
        var groups = await client.GetPathAsync("apis", ct).ConfigureAwait(false);
        foreach (var group in (groups["groups"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var name = group["name"]?.GetValue<string>() ?? "";
            var version = group["preferredVersion"]?["version"]?.GetValue<string>()
                ?? (group["versions"] as JsonArray)?.FirstOrDefault()?["version"]?.GetValue<string>();
            if (name.Length == 0 || version is null)
            {
                continue;
            }

            var list = await client.GetPathAsync($"apis/{name}/{version}", ct).ConfigureAwait(false);
            result.AddRange(Parse(name, version, list));
        }

        return result;
    }

    private static IEnumerable<ApiResource> Parse(string group, string version, JsonObject list)
    {
        foreach (var r in (list["resources"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var name = r["name"]?.GetValue<string>() ?? "";
            if (name.Length == 0 || name.Contains('/', StringComparison.Ordinal))
            {
                continue;
            }

            var verbs = (r["verbs"] as JsonArray ?? []).Select(v => v?.GetValue<string>() ?? "").ToArray();
            yield return new ApiResource(group, version, name, r["kind"]?.GetValue<string>() ?? "", r["namespaced"]?.GetValue<bool>() ?? false, verbs);
        }
    }
}
