using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Capstan.Api.Patch;

/// <summary>Building, normalizing and resolving the FieldsV1 path elements of a <see cref="FieldSet"/> against JSON objects.</summary>
internal static class PathElements
{
    public static readonly JsonSerializerOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    // Key fields a list item may omit because the server defaults them (container and service ports' protocol).
    private static readonly Dictionary<string, string> KeyDefaults = new(StringComparer.Ordinal) { ["protocol"] = "TCP" };

    public static string Field(string name) => "f:" + name;

    public static string Value(JsonNode? value) => "v:" + (value?.ToJsonString(JsonOptions) ?? "null");

    /// <summary>The <c>k:</c> element of a map-list item: its key fields, sorted by name, as compact JSON.</summary>
    public static string Key(JsonObject item, IReadOnlyList<string> keys) => Key(item, keys, out _);

    /// <summary>As <see cref="Key(JsonObject, IReadOnlyList{string})"/>; <paramref name="missing"/> names a key field the item lacks.</summary>
    public static string Key(JsonObject item, IReadOnlyList<string> keys, out string? missing)
    {
        missing = null;
        var key = new JsonObject();
        foreach (var name in keys.Order(StringComparer.Ordinal))
        {
            if (item.TryGetPropertyValue(name, out var v) && v is not null)
            {
                key[name] = v.DeepClone();
            }
            else if (KeyDefaults.TryGetValue(name, out var d))
            {
                key[name] = d;
            }
            else
            {
                missing ??= name;
            }
        }

        return "k:" + key.ToJsonString(JsonOptions);
    }

    // Normalized k: and v: elements by their stored spelling: every write decodes every managedFields entry, and the same
    // few elements (k:{"type":"Ready"}, k:{"name":"app"}...) recur across objects. Bounded; past the bound, elements are
    // normalized afresh each time.
    private const int MaxNormalizedCached = 16 * 1024;
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> NormalizedCache = new(StringComparer.Ordinal);

    /// <summary>Rewrites a k: or v: element in canonical form (sorted keys, compact JSON); other elements are returned as is.</summary>
    public static string Normalize(string element)
    {
        if (!element.StartsWith("k:", StringComparison.Ordinal) && !element.StartsWith("v:", StringComparison.Ordinal))
        {
            return element;
        }

        if (NormalizedCache.TryGetValue(element, out var cached))
        {
            return cached;
        }

        var normalized = NormalizeUncached(element);
        if (NormalizedCache.Count < MaxNormalizedCached)
        {
            NormalizedCache.TryAdd(element, normalized);
        }

        return normalized;
    }

    private static string NormalizeUncached(string element)
    {
        if (element.StartsWith("k:", StringComparison.Ordinal) && TryParse(element[2..]) is JsonObject key)
        {
            var sorted = new JsonObject();
            foreach (var (name, value) in key.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                sorted[name] = value?.DeepClone();
            }

            return "k:" + sorted.ToJsonString(JsonOptions);
        }

        if (element.StartsWith("v:", StringComparison.Ordinal) && TryParse(element[2..]) is { } item)
        {
            return Value(item);
        }

        return element;
    }

    /// <summary>Finds the child of <paramref name="node"/> that <paramref name="element"/> names.</summary>
    public static bool TryStep(JsonNode? node, string element, out JsonNode? child)
    {
        child = null;
        switch (node)
        {
            case JsonObject obj when element.StartsWith("f:", StringComparison.Ordinal):
                return obj.TryGetPropertyValue(element[2..], out child);
            case JsonArray arr:
                var i = IndexOf(arr, element);
                if (i >= 0)
                {
                    child = arr[i];
                    return true;
                }

                return false;
            default:
                return false;
        }
    }

    /// <summary>The index in <paramref name="list"/> of the item named by a k:, v: or i: element, or -1.</summary>
    public static int IndexOf(IList<JsonNode?> list, string element)
    {
        if (element.StartsWith("i:", StringComparison.Ordinal))
        {
            return int.TryParse(element[2..], out var i) && i >= 0 && i < list.Count ? i : -1;
        }

        if (element.StartsWith("v:", StringComparison.Ordinal))
        {
            var value = TryParse(element[2..]);
            for (var i = 0; i < list.Count; i++)
            {
                if (JsonNode.DeepEquals(list[i], value))
                {
                    return i;
                }
            }

            return -1;
        }

        if (element.StartsWith("k:", StringComparison.Ordinal) && TryParse(element[2..]) is JsonObject key)
        {
            for (var i = 0; i < list.Count; i++)
            {
                if (list[i] is JsonObject item && MatchesKey(item, key))
                {
                    return i;
                }
            }
        }

        return -1;
    }

    /// <summary>The node at <paramref name="path"/> under <paramref name="root"/>; false when some element is absent.</summary>
    public static bool TryGet(JsonNode? root, IReadOnlyList<string> path, out JsonNode? node)
    {
        node = root;
        foreach (var element in path)
        {
            if (!TryStep(node, element, out node))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Removes the node at <paramref name="path"/>; false when it was not there.</summary>
    public static bool Remove(JsonNode root, IReadOnlyList<string> path)
    {
        if (path.Count == 0 || !TryGet(root, path.Take(path.Count - 1).ToArray(), out var parent))
        {
            return false;
        }

        var last = path[^1];
        switch (parent)
        {
            case JsonObject obj when last.StartsWith("f:", StringComparison.Ordinal):
                return obj.Remove(last[2..]);
            case JsonArray arr:
                var i = IndexOf(arr, last);
                if (i < 0)
                {
                    return false;
                }

                arr.RemoveAt(i);
                return true;
            default:
                return false;
        }
    }

    /// <summary>The key object of a k: element's body, or null when it is not a JSON object.</summary>
    public static JsonObject? ParseKey(string body) => TryParse(body) as JsonObject;

    private static bool MatchesKey(JsonObject item, JsonObject key)
    {
        foreach (var (name, expected) in key)
        {
            if (item.TryGetPropertyValue(name, out var actual) && actual is not null)
            {
                if (!JsonNode.DeepEquals(actual, expected))
                {
                    return false;
                }
            }
            else if (!(KeyDefaults.TryGetValue(name, out var d) && expected is JsonValue v && v.TryGetValue<string>(out var s) && s == d))
            {
                return false;
            }
        }

        return true;
    }

    private static JsonNode? TryParse(string json)
    {
        try
        {
            return JsonNode.Parse(json);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
