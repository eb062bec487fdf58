using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Capstan.Api.Tables;

/// <summary>Tolerant reads of nested values from Kubernetes JSON objects: a missing or mistyped value reads as absent.</summary>
internal static class JsonRead
{
    public static JsonNode? Node(JsonNode? node, params ReadOnlySpan<string> path)
    {
        foreach (var key in path)
        {
            if (node is not JsonObject obj || !obj.TryGetPropertyValue(key, out node))
            {
                return null;
            }
        }

        return node;
    }

    public static JsonObject? Obj(JsonNode? node, params ReadOnlySpan<string> path) => Node(node, path) as JsonObject;

    public static JsonArray Arr(JsonNode? node, params ReadOnlySpan<string> path) => Node(node, path) as JsonArray ?? [];

    public static IEnumerable<JsonObject> Objects(JsonNode? node, params ReadOnlySpan<string> path) => Arr(node, path).OfType<JsonObject>();

    /// <summary>The string at the path, or null; numbers and booleans are rendered as Go would print them.</summary>
    public static string? StrOrNull(JsonNode? node, params ReadOnlySpan<string> path) => Node(node, path) switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => v.ToJsonString(),
        JsonValue v when v.GetValueKind() == JsonValueKind.True => "true",
        JsonValue v when v.GetValueKind() == JsonValueKind.False => "false",
        _ => null,
    };

    public static string Str(JsonNode? node, params ReadOnlySpan<string> path) => StrOrNull(node, path) ?? "";

    public static long? LongOrNull(JsonNode? node, params ReadOnlySpan<string> path)
    {
        if (Node(node, path) is not JsonValue v)
        {
            return null;
        }

        if (v.GetValueKind() == JsonValueKind.Number)
        {
            return v.TryGetValue<long>(out var l) ? l : v.TryGetValue<double>(out var d) ? (long)d : null;
        }

        return v.GetValueKind() == JsonValueKind.String && long.TryParse(v.GetValue<string>(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed)
            ? parsed
            : null;
    }

    public static long Long(JsonNode? node, params ReadOnlySpan<string> path) => LongOrNull(node, path) ?? 0;

    public static bool? BoolOrNull(JsonNode? node, params ReadOnlySpan<string> path) => Node(node, path) switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.True => true,
        JsonValue v when v.GetValueKind() == JsonValueKind.False => false,
        _ => null,
    };

    public static bool Bool(JsonNode? node, params ReadOnlySpan<string> path) => BoolOrNull(node, path) ?? false;

    /// <summary>A timestamp (RFC 3339, with or without fraction); null when absent, unparsable or Go's zero time.</summary>
    public static DateTimeOffset? Time(JsonNode? node, params ReadOnlySpan<string> path)
    {
        var text = StrOrNull(node, path);
        if (string.IsNullOrEmpty(text)
            || !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t)
            || t.Year <= 1)
        {
            return null;
        }

        return t;
    }

    public static int Count(JsonNode? node, params ReadOnlySpan<string> path) => Node(node, path) switch
    {
        JsonObject o => o.Count,
        JsonArray a => a.Count,
        _ => 0,
    };
}
