using System.Globalization;
using System.Text.Json.Nodes;

namespace Capstan.ApiServer.Objects;

/// <summary>Reads and writes of metadata fields on JSON objects.</summary>
public static class ObjectMeta
{
    public static JsonObject Metadata(JsonObject obj)
    {
        if (obj["metadata"] is JsonObject meta)
        {
            return meta;
        }

        meta = new JsonObject();
        obj["metadata"] = meta;
        return meta;
    }

    public static string Name(JsonObject obj) => Str(obj["metadata"]?["name"]);

    public static string Namespace(JsonObject obj) => Str(obj["metadata"]?["namespace"]);

    public static string Uid(JsonObject obj) => Str(obj["metadata"]?["uid"]);

    public static string ResourceVersion(JsonObject obj) => Str(obj["metadata"]?["resourceVersion"]);

    public static bool IsDeleting(JsonObject obj) => obj["metadata"]?["deletionTimestamp"] is not null;

    public static List<string> Finalizers(JsonObject obj) =>
        obj["metadata"]?["finalizers"] is JsonArray a ? a.Select(Str).Where(s => s.Length > 0).ToList() : [];

    public static void SetFinalizers(JsonObject obj, IReadOnlyCollection<string> finalizers)
    {
        var meta = Metadata(obj);
        if (finalizers.Count == 0)
        {
            meta.Remove("finalizers");
        }
        else
        {
            meta["finalizers"] = new JsonArray(finalizers.Select(f => (JsonNode?)JsonValue.Create(f)).ToArray());
        }
    }

    public static string Timestamp(DateTimeOffset t) =>
        t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static string Str(JsonNode? node) =>
        node is JsonValue v && v.TryGetValue<string>(out var s) ? s : "";

    /// <summary>Reads an integer field whether it arrived as a number or not at all.</summary>
    public static long? Long(JsonNode? node) =>
        node is JsonValue v && v.TryGetValue<long>(out var l) ? l
        : node is JsonValue d && d.TryGetValue<double>(out var x) ? (long)x
        : null;
}
