using System.Text.Json;
using System.Text.Json.Nodes;

namespace Capstan.Api.Validation;

/// <summary>
/// Typed reads and in-place defaults on wire objects. A JSON null counts as absent, as an unset Go pointer or omitted field would.
/// </summary>
public static class JsonAccess
{
    public static JsonObject? Obj(this JsonObject o, string key) => o[key] as JsonObject;

    public static JsonArray? Arr(this JsonObject o, string key) => o[key] as JsonArray;

    public static bool Has(this JsonObject o, string key) => o[key] is not null;

    public static string? Str(this JsonObject o, string key) => AsString(o[key]);

    /// <summary>The string, or "" when absent: Go's zero value for a string field.</summary>
    public static string StrOrEmpty(this JsonObject o, string key) => AsString(o[key]) ?? "";

    public static long? Long(this JsonObject o, string key) => AsLong(o[key]);

    public static bool? Bool(this JsonObject o, string key) =>
        o[key] is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False ? v.GetValue<bool>() : null;

    public static string? AsString(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    public static long? AsLong(JsonNode? node)
    {
        if (node is not JsonValue v || v.GetValueKind() != JsonValueKind.Number)
        {
            return null;
        }

        if (v.TryGetValue<long>(out var l)) return l;
        if (v.TryGetValue<int>(out var i)) return i;
        if (v.TryGetValue<double>(out var d) && Math.Abs(d) < 9e18 && d == Math.Floor(d)) return (long)d;
        if (v.TryGetValue<decimal>(out var m) && m == decimal.Truncate(m) && Math.Abs(m) < 9e18m) return (long)m;
        return null;
    }

    public static bool IsNumber(JsonNode? node) => node is JsonValue v && v.GetValueKind() == JsonValueKind.Number;

    /// <summary>The child object, created (and attached) when absent.</summary>
    public static JsonObject EnsureObj(this JsonObject o, string key)
    {
        if (o[key] is JsonObject existing)
        {
            return existing;
        }

        var created = new JsonObject();
        o[key] = created;
        return created;
    }

    /// <summary>Sets <paramref name="key"/> when absent or null (a Go pointer default).</summary>
    public static void SetDefault(this JsonObject o, string key, JsonNode? value)
    {
        if (o[key] is null)
        {
            o[key] = value;
        }
    }

    /// <summary>Sets <paramref name="key"/> when absent, null or "" (a Go string default).</summary>
    public static void SetDefaultString(this JsonObject o, string key, string value)
    {
        if (string.IsNullOrEmpty(o.Str(key)))
        {
            o[key] = value;
        }
    }

    /// <summary>The object items of an array field with their indexes; non-objects are skipped.</summary>
    public static IEnumerable<(int Index, JsonObject Item)> Items(this JsonObject o, string key)
    {
        if (o[key] is not JsonArray array)
        {
            yield break;
        }

        for (var i = 0; i < array.Count; i++)
        {
            if (array[i] is JsonObject item)
            {
                yield return (i, item);
            }
        }
    }

    /// <summary>The string items of an array field.</summary>
    public static IReadOnlyList<string> Strings(this JsonObject o, string key) =>
        o[key] is JsonArray array ? array.Select(AsString).Where(s => s is not null).Select(s => s!).ToArray() : [];

    /// <summary>The string entries of a map field (labels, annotations, data).</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> StringMap(this JsonObject o, string key) =>
        o[key] is JsonObject map
            ? map.Select(p => new KeyValuePair<string, string>(p.Key, AsString(p.Value) ?? "")).ToArray()
            : [];

    /// <summary>Whether the array or map field has at least one entry.</summary>
    public static bool HasEntries(this JsonObject o, string key) => o[key] switch
    {
        JsonArray a => a.Count > 0,
        JsonObject m => m.Count > 0,
        _ => false,
    };

    /// <summary>Structural equality where an absent field equals null.</summary>
    public static bool SameAs(JsonNode? a, JsonNode? b) => JsonNode.DeepEquals(Normalize(a), Normalize(b));

    private static JsonNode? Normalize(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.Where(p => p.Value is not null).Select(p => KeyValuePair.Create(p.Key, Normalize(p.Value)))),
        JsonArray a => new JsonArray(a.Select(Normalize).ToArray()),
        null => null,
        _ => node.DeepClone(),
    };
}
