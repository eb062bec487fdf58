using System.Text.Json;
using System.Text.Json.Nodes;
using Capstan.Client.Dynamic;

namespace Capstan.Client.Informers;

/// <summary>
/// What a metadata-only informer keeps of each object: apiVersion, kind and the metadata fields ownership, finalizer and
/// selector logic read (name, namespace, uid, resourceVersion, generation, labels, ownerReferences, finalizers,
/// deletionTimestamp, deletionGracePeriodSeconds), as freshly built nodes. A parsed object's values point into the
/// <see cref="JsonDocument"/> of the whole watch line or list page they came from and keep all of it alive; a
/// cache of thousands of objects would hold every one of those buffers.
/// </summary>
internal sealed class CompactMetadata(ApiResource resource)
{
    private static readonly string[] s_kept =
    [
        "name", "namespace", "uid", "resourceVersion", "generation", "labels", "ownerReferences", "finalizers",
        "deletionTimestamp", "deletionGracePeriodSeconds",
    ];

    // Namespaces repeat across objects; one string each instead of one per object. Bounded: it only saves memory.
    private readonly Dictionary<string, string> _namespaces = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public JsonObject Project(JsonObject obj)
    {
        var result = new JsonObject
        {
            ["apiVersion"] = resource.ApiVersion,
            ["kind"] = resource.Kind,
        };
        if (obj["metadata"] is not JsonObject metadata)
        {
            return result;
        }

        var compact = new JsonObject();
        foreach (var name in s_kept)
        {
            if (metadata[name] is not { } value)
            {
                continue;
            }

            compact[name] = name == "namespace" && value.GetValueKind() == JsonValueKind.String
                ? JsonValue.Create(Intern(value.GetValue<string>()))
                : Copy(value);
        }

        result["metadata"] = compact;
        return result;
    }

    private string Intern(string ns)
    {
        lock (_lock)
        {
            if (_namespaces.TryGetValue(ns, out var known))
            {
                return known;
            }

            if (_namespaces.Count < 10_000)
            {
                _namespaces[ns] = ns;
            }

            return ns;
        }
    }

    /// <summary>A deep copy whose values own their data (no reference to the parsed document).</summary>
    private static JsonNode? Copy(JsonNode? node)
    {
        switch (node)
        {
            case null:
                return null;
            case JsonObject o:
                var copy = new JsonObject();
                foreach (var (key, child) in o)
                {
                    copy[key] = Copy(child);
                }

                return copy;
            case JsonArray a:
                var array = new JsonArray();
                foreach (var child in a)
                {
                    array.Add(Copy(child));
                }

                return array;
            default:
                var value = node.AsValue();
                return value.GetValueKind() switch
                {
                    JsonValueKind.String => JsonValue.Create(value.GetValue<string>()),
                    JsonValueKind.True => JsonValue.Create(true),
                    JsonValueKind.False => JsonValue.Create(false),
                    JsonValueKind.Number when value.TryGetValue<long>(out var l) => JsonValue.Create(l),
                    JsonValueKind.Number => JsonValue.Create(value.GetValue<double>()),
                    _ => JsonNode.Parse(value.ToJsonString()),
                };
        }
    }
}
