using System.Text.Json;
using System.Text.Json.Nodes;
using Capstan.Api.Json;
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

    /// <summary>
    /// The cached form of a stored value: as <see cref="ToCached(string, JsonObject, long)"/> of <see cref="Decode"/>, but
    /// without building the object. The stored JSON is what <see cref="ToStored"/> wrote, so its resourceVersion goes in as
    /// the last property of metadata (where <see cref="SetResourceVersion"/> would append it); anything unusual (no
    /// metadata object, a resourceVersion already there, a label that is not a string) takes the general path. With
    /// <paramref name="compression"/>, the JSON is packed by it (the watch cache's long-lived copies; a one-off read keeps
    /// its JSON as it is).
    /// </summary>
    public static CachedObject ToCached(string key, ReadOnlyMemory<byte> stored, long revision, JsonCompression? compression = null)
    {
        if (TryScanMetadata(stored.Span, out var metadataEnd, out var hasFields, out var name, out var ns, out var labels))
        {
            var version = revision.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var prefix = hasFields ? ",\"resourceVersion\":\"" : "\"resourceVersion\":\"";
            var span = stored.Span;
            var json = new byte[stored.Length + prefix.Length + version.Length + 1];
            span[..metadataEnd].CopyTo(json);
            var at = metadataEnd;
            at += System.Text.Encoding.ASCII.GetBytes(prefix, json.AsSpan(at));
            at += System.Text.Encoding.ASCII.GetBytes(version, json.AsSpan(at));
            json[at++] = (byte)'"';
            span[metadataEnd..].CopyTo(json.AsSpan(at));
            return new CachedObject(key, revision, compression?.Pack(json) ?? new PackedJson(json), ns, name, labels);
        }

        return ToCached(key, Decode(stored, revision), revision, compression);
    }

    /// <summary>Parses a cached object's JSON without keeping a copy of it.</summary>
    public static JsonObject Parse(CachedObject cached)
    {
        using var json = cached.Rent();
        return Parse(json.Span);
    }

    // Finds the top-level metadata object's closing brace and reads name, namespace and labels on the way.
    private static bool TryScanMetadata(ReadOnlySpan<byte> json, out int metadataEnd, out bool hasFields, out string name, out string ns, out IReadOnlyDictionary<string, string> labels)
    {
        metadataEnd = 0;
        hasFields = false;
        name = "";
        ns = "";
        labels = NoLabels;
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (!reader.ValueTextEquals("metadata"u8))
                {
                    reader.Read();
                    reader.Skip();
                    continue;
                }

                if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                {
                    return false;
                }

                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    hasFields = true;
                    if (reader.ValueTextEquals("resourceVersion"u8))
                    {
                        return false;
                    }

                    var field = reader.ValueTextEquals("name"u8) ? 1
                        : reader.ValueTextEquals("namespace"u8) ? 2
                        : reader.ValueTextEquals("labels"u8) ? 3
                        : 0;
                    reader.Read();
                    switch (field)
                    {
                        case 1 or 2 when reader.TokenType != JsonTokenType.String:
                            return false;
                        case 1:
                            name = reader.GetString()!;
                            break;
                        case 2:
                            ns = reader.GetString()!;
                            break;
                        case 3 when reader.TokenType == JsonTokenType.StartObject:
                            Dictionary<string, string>? map = null;
                            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                            {
                                var label = reader.GetString()!;
                                if (!reader.Read() || reader.TokenType != JsonTokenType.String)
                                {
                                    return false;
                                }

                                map ??= new Dictionary<string, string>(StringComparer.Ordinal);
                                map[label] = reader.GetString()!;
                            }

                            labels = map ?? NoLabels;
                            break;
                        case 3:
                            return false;
                        default:
                            reader.Skip();
                            break;
                    }
                }

                if (reader.TokenType != JsonTokenType.EndObject)
                {
                    return false;
                }

                metadataEnd = checked((int)reader.TokenStartIndex);
                return true;
            }

            return false;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    public static CachedObject ToCached(string key, JsonObject obj, long revision, JsonCompression? compression = null)
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

        var json = JsonSerializer.SerializeToUtf8Bytes(obj, Compact);
        return new CachedObject(
            key,
            revision,
            compression?.Pack(json) ?? new PackedJson(json),
            (string?)meta?["namespace"] ?? "",
            (string?)meta?["name"] ?? "",
            labels);
    }
}
