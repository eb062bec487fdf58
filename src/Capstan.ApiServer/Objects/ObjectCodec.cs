using System.Text.Json;
using System.Text.Json.Nodes;
using Capstan.ApiServer.Caching;

namespace Capstan.ApiServer.Objects;

/// <summary>
/// Converts between objects as stored (JSON without a resourceVersion, since the store revision is only known after the write)
/// and objects as served (metadata.resourceVersion = the revision of the write that made them).
/// </summary>
public static class ObjectCodec
{
    // Relaxed escaping writes quotes as \" (not \u0022), as Kubernetes does.
    public static readonly JsonSerializerOptions Compact = new() { WriteIndented = false, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static byte[] ToStored(JsonObject obj)
    {
        if (obj["metadata"] is JsonObject meta)
        {
            meta.Remove("resourceVersion");
            meta.Remove("selfLink");
        }

        return JsonSerializer.SerializeToUtf8Bytes(obj, Compact);
    }

    public static JsonObject Parse(ReadOnlySpan<byte> json) =>
        JsonNode.Parse(json) as JsonObject ?? throw new InvalidDataException("stored value is not a JSON object");

    /// <summary>Parses a stored value and stamps its resourceVersion.</summary>
    public static JsonObject Decode(ReadOnlyMemory<byte> stored, long revision)
    {
        var obj = Parse(stored.Span);
        SetResourceVersion(obj, revision);
        return obj;
    }

    public static void SetResourceVersion(JsonObject obj, long revision)
    {
        if (obj["metadata"] is not JsonObject meta)
        {
            meta = new JsonObject();
            obj["metadata"] = meta;
        }

        meta["resourceVersion"] = revision.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    private static readonly IReadOnlyDictionary<string, string> NoLabels = new Dictionary<string, string>(0, StringComparer.Ordinal);

    public static CachedObject ToCached(string key, JsonObject obj, long revision)
    {
        var meta = obj["metadata"] as JsonObject;

        // Most objects have no labels; they share one empty map instead of holding one each in the watch cache.
        IReadOnlyDictionary<string, string> labels = NoLabels;
        if (meta?["labels"] is JsonObject { Count: > 0 } l)
        {
            var map = new Dictionary<string, string>(l.Count, StringComparer.Ordinal);
            labels = map;
            foreach (var (k, v) in l)
            {
                map[k] = v?.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : v?.ToJsonString() ?? "";
            }
        }

        return new CachedObject(
            key,
            revision,
            JsonSerializer.SerializeToUtf8Bytes(obj, Compact),
            (string?)meta?["namespace"] ?? "",
            (string?)meta?["name"] ?? "",
            labels);
    }
}
