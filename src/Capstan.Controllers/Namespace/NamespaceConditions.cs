using System.Text.Json.Nodes;

namespace Capstan.Controllers.Namespace;

/// <summary>The status conditions Kubernetes' namespace controller reports while it empties a namespace, with its reasons.</summary>
internal static class NamespaceConditions
{
    public const string DiscoveryFailure = "NamespaceDeletionDiscoveryFailure";
    public const string GroupVersionParsingFailure = "NamespaceDeletionGroupVersionParsingFailure";
    public const string ContentFailure = "NamespaceDeletionContentFailure";
    public const string ContentRemaining = "NamespaceContentRemaining";
    public const string FinalizersRemaining = "NamespaceFinalizersRemaining";

    public static IReadOnlyList<JsonObject> DiscoveryFailed(string error) =>
        [Condition(DiscoveryFailure, true, "DiscoveryFailed", $"Discovery failed for some groups, 1 failing: {error}")];

    /// <summary>The conditions after one pass over the content (discovery having worked).</summary>
    public static IReadOnlyList<JsonObject> Progress(
        IReadOnlyCollection<string> errors, IReadOnlyDictionary<string, int> remaining, IReadOnlyDictionary<string, int> finalizers) =>
    [
        Condition(DiscoveryFailure, false, "ResourcesDiscovered", "All resources successfully discovered"),
        Condition(GroupVersionParsingFailure, false, "ParsedGroupVersions", "All legacy kube types successfully parsed"),
        errors.Count == 0
            ? Condition(ContentFailure, false, "ContentDeleted", "All content successfully deleted, may be waiting on finalization")
            : Condition(ContentFailure, true, "ContentDeletionFailed", $"Failed to delete all resource types, {errors.Count} remaining: {string.Join(", ", errors.Order(StringComparer.Ordinal))}"),
        remaining.Count == 0
            ? Condition(ContentRemaining, false, "ContentRemoved", "All content successfully removed")
            : Condition(ContentRemaining, true, "SomeResourcesRemain",
                "Some resources are remaining: " + string.Join(", ", remaining.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => $"{r.Key} has {r.Value} resource instances"))),
        finalizers.Count == 0
            ? Condition(FinalizersRemaining, false, "ContentHasNoFinalizers", "All content-preserving finalizers finished")
            : Condition(FinalizersRemaining, true, "SomeFinalizersRemain",
                "Some content in the namespace has finalizers remaining: " + string.Join(", ", finalizers.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => $"{r.Key} in {r.Value} resource instances"))),
    ];

    /// <summary>
    /// The existing conditions with <paramref name="updates"/> applied: a condition whose status is unchanged keeps its
    /// lastTransitionTime. <paramref name="changed"/> says whether anything differs from <paramref name="existing"/>.
    /// </summary>
    public static JsonArray Merge(JsonArray? existing, IReadOnlyList<JsonObject> updates, DateTimeOffset now, out bool changed)
    {
        changed = false;
        var result = new List<JsonObject>();
        foreach (var c in (existing ?? []).OfType<JsonObject>())
        {
            result.Add((JsonObject)c.DeepClone());
        }

        foreach (var update in updates)
        {
            var type = update["type"]!.GetValue<string>();
            var index = result.FindIndex(c => c["type"]?.GetValue<string>() == type);
            var old = index >= 0 ? result[index] : null;
            if (old is not null && Same(old, update, "status") && Same(old, update, "reason") && Same(old, update, "message"))
            {
                continue;
            }

            changed = true;
            var next = (JsonObject)update.DeepClone();
            next["lastTransitionTime"] = old is not null && Same(old, update, "status")
                ? old["lastTransitionTime"]?.DeepClone()
                : now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
            if (index >= 0)
            {
                result[index] = next;
            }
            else
            {
                result.Add(next);
            }
        }

        return new JsonArray([.. result]);
    }

    private static bool Same(JsonObject a, JsonObject b, string field) =>
        a[field]?.GetValue<string>() == b[field]?.GetValue<string>();

    private static JsonObject Condition(string type, bool status, string reason, string message) => new()
    {
        ["type"] = type,
        ["status"] = status ? "True" : "False",
        ["reason"] = reason,
        ["message"] = message,
    };
}
