using System.Text.Json.Nodes;
using Capstan.Api.Schema;

namespace Capstan.Api.Patch;

/// <summary>
/// Kubernetes strategic merge patch (<c>application/strategic-merge-patch+json</c>) for built-in types, driven by
/// <see cref="ModelSchema"/> and the markers in <see cref="PatchMetadata"/>.
/// </summary>
/// <remarks>
/// Like JSON merge patch, except: lists whose field has patch strategy "merge" are merged (items matched by the merge key,
/// primitive items as a set) and the directives kubectl sends are honoured: <c>$patch: replace|merge|delete</c> in objects and
/// list items, <c>$deleteFromPrimitiveList/&lt;field&gt;</c>, <c>$setElementOrder/&lt;field&gt;</c> and <c>$retainKeys</c>.
/// </remarks>
public static class StrategicMergePatch
{
    private const string PatchDirective = "$patch";
    private const string RetainKeysDirective = "$retainKeys";
    private const string DeleteFromPrimitiveListPrefix = "$deleteFromPrimitiveList/";
    private const string SetElementOrderPrefix = "$setElementOrder/";

    /// <summary>Returns a patched copy of <paramref name="original"/>; <paramref name="modelType"/> is the KubernetesClient model (typeof(V1Pod)).</summary>
    public static JsonObject Apply(JsonObject original, JsonObject patch, Type modelType)
    {
        var result = (JsonObject)original.DeepClone();
        return MergeObject(result, patch, ModelSchema.For(modelType), null) ?? new JsonObject();
    }

    /// <summary>Merges <paramref name="patch"/> into <paramref name="target"/> (our own copy); null means the object is deleted.</summary>
    private static JsonObject? MergeObject(JsonObject target, JsonObject patch, ModelSchema? schema, FieldSchema? mapField)
    {
        switch (DirectiveOf(patch))
        {
            case "delete":
                return null;
            case "replace":
                return WithoutDirectives(patch);
        }

        if (patch.TryGetPropertyValue(RetainKeysDirective, out var retain))
        {
            if (retain is not JsonArray retainKeys)
            {
                throw PatchException.Bad("invalid strategic merge patch: $retainKeys must be a list of field names");
            }

            var keep = retainKeys.Select(k => k?.GetValue<string>()).ToHashSet(StringComparer.Ordinal);
            foreach (var key in target.Select(p => p.Key).Where(k => !keep.Contains(k)).ToList())
            {
                target.Remove(key);
            }
        }

        var originalLists = new Dictionary<string, JsonArray>(StringComparer.Ordinal);
        foreach (var (key, value) in patch)
        {
            if (key.StartsWith(DeleteFromPrimitiveListPrefix, StringComparison.Ordinal))
            {
                DeleteFromPrimitiveList(target, key[DeleteFromPrimitiveListPrefix.Length..], value);
                continue;
            }

            if (key.StartsWith('$'))
            {
                continue; // other directives are handled before or after the merge
            }

            if (value is null)
            {
                target.Remove(key);
                continue;
            }

            var field = SchemaNavigation.Child(schema, mapField, key);
            var existing = target.TryGetPropertyValue(key, out var e) ? e : null;
            if (existing is JsonArray existingList)
            {
                originalLists[key] = (JsonArray)existingList.DeepClone();
            }

            if (existing is not null)
            {
                target.Remove(key); // detach: the merged value may reuse it
            }

            var merged = MergeValue(existing, value, field);
            if (merged.Deleted)
            {
                continue;
            }

            target[key] = merged.Value;
        }

        foreach (var (key, value) in patch)
        {
            if (key.StartsWith(SetElementOrderPrefix, StringComparison.Ordinal))
            {
                var name = key[SetElementOrderPrefix.Length..];
                var field = SchemaNavigation.Child(schema, mapField, name);
                SetElementOrder(target, name, value, field, originalLists.GetValueOrDefault(name) ?? target[name] as JsonArray);
            }
        }

        return target;
    }

    private static (JsonNode? Value, bool Deleted) MergeValue(JsonNode? existing, JsonNode patch, FieldSchema? field)
    {
        switch (patch)
        {
            case JsonObject patchObject when field is null || field.Shape is FieldShape.Object or FieldShape.Map || field.ClrType == typeof(object):
            {
                var (schema, mapField) = SchemaNavigation.ObjectContext(field);
                var merged = MergeObject(existing as JsonObject ?? new JsonObject(), patchObject, schema, mapField);
                return (merged, merged is null);
            }

            case JsonArray patchList when field is { Shape: FieldShape.List } && IsMergeList(field):
                return (MergeList(existing as JsonArray, patchList, field), false);
            default:
                return (patch.DeepClone(), false);
        }
    }

    private static bool IsMergeList(FieldSchema field) =>
        field.Patch?.PatchStrategy?.Split(',').Contains("merge", StringComparer.Ordinal) == true;

    private static JsonArray MergeList(JsonArray? existing, JsonArray patch, FieldSchema field)
    {
        var items = existing?.Select(i => i?.DeepClone()).ToList() ?? [];
        var mergeKey = field.Patch?.PatchMergeKey;
        var elementSchema = field.Nested;

        // A list item {"$patch": "replace"} means: the list becomes the other items of the patch.
        if (patch.Any(i => i is JsonObject o && DirectiveOf(o) == "replace"))
        {
            return new JsonArray(patch.Where(i => !(i is JsonObject o && DirectiveOf(o) is not null))
                .Select(i => i is JsonObject o ? WithoutDirectives(o) : i?.DeepClone()).ToArray());
        }

        if (mergeKey is null || elementSchema is null)
        {
            // A list of primitives merged as a set: keep what is there (once), add what is new.
            var set = new List<JsonNode?>();
            foreach (var item in items.Concat(patch.Select(i => i?.DeepClone())))
            {
                if (item is JsonObject o && DirectiveOf(o) is not null)
                {
                    continue;
                }

                if (!set.Any(i => JsonNode.DeepEquals(i, item)))
                {
                    set.Add(item);
                }
            }

            return new JsonArray(set.ToArray());
        }

        foreach (var item in patch)
        {
            if (item is not JsonObject patchItem)
            {
                throw PatchException.Bad($"invalid strategic merge patch: the items of \"{field.JsonName}\" must be objects");
            }

            var directive = DirectiveOf(patchItem);
            if (!patchItem.TryGetPropertyValue(mergeKey, out var key))
            {
                if (directive == "delete")
                {
                    items.Clear(); // {"$patch":"delete"} with no key deletes the whole list
                    continue;
                }

                throw PatchException.Bad($"invalid strategic merge patch: an item of \"{field.JsonName}\" does not contain the merge key \"{mergeKey}\"");
            }

            var index = items.FindIndex(i => i is JsonObject o && o.TryGetPropertyValue(mergeKey, out var k) && JsonNode.DeepEquals(k, key));
            if (directive == "delete")
            {
                items.RemoveAll(i => i is JsonObject o && o.TryGetPropertyValue(mergeKey, out var k) && JsonNode.DeepEquals(k, key));
                continue;
            }

            if (index >= 0)
            {
                var merged = MergeObject((JsonObject)items[index]!, patchItem, elementSchema, null);
                if (merged is null)
                {
                    items.RemoveAt(index);
                }
                else
                {
                    items[index] = merged;
                }
            }
            else if (MergeObject(new JsonObject(), patchItem, elementSchema, null) is { } added)
            {
                items.Add(added);
            }
        }

        return new JsonArray(items.ToArray());
    }

    private static void DeleteFromPrimitiveList(JsonObject target, string name, JsonNode? values)
    {
        if (values is not JsonArray remove)
        {
            throw PatchException.Bad($"invalid strategic merge patch: {DeleteFromPrimitiveListPrefix}{name} must be a list");
        }

        if (target[name] is JsonArray list)
        {
            var kept = list.Where(i => !remove.Any(r => JsonNode.DeepEquals(r, i))).Select(i => i?.DeepClone()).ToArray();
            target[name] = new JsonArray(kept);
        }
    }

    /// <summary>
    /// Orders the merged list as <c>$setElementOrder</c> says: the listed items in that order, interleaved with items only the
    /// server had, which keep their places relative to the listed items according to the server's original order.
    /// </summary>
    private static void SetElementOrder(JsonObject target, string name, JsonNode? order, FieldSchema? field, JsonArray? serverList)
    {
        if (order is not JsonArray orderList)
        {
            throw PatchException.Bad($"invalid strategic merge patch: {SetElementOrderPrefix}{name} must be a list");
        }

        if (target[name] is not JsonArray list)
        {
            return;
        }

        var mergeKey = field?.Patch?.PatchMergeKey;
        JsonNode? Id(JsonNode? item) => mergeKey is not null && item is JsonObject o ? o[mergeKey] : item;
        int IndexIn(IEnumerable<JsonNode?> nodes, JsonNode? item)
        {
            var id = Id(item);
            var i = 0;
            foreach (var n in nodes)
            {
                if (JsonNode.DeepEquals(Id(n), id))
                {
                    return i;
                }

                i++;
            }

            return -1;
        }

        var items = list.Select(i => i?.DeepClone()).ToList();
        var listed = items.Where(i => IndexIn(orderList, i) >= 0).OrderBy(i => IndexIn(orderList, i)).ToList();
        var serverOnly = items.Where(i => IndexIn(orderList, i) < 0).ToList();
        var server = serverList?.ToList() ?? [];

        var result = new List<JsonNode?>(items.Count);
        int a = 0, b = 0;
        while (a < listed.Count || b < serverOnly.Count)
        {
            if (a >= listed.Count)
            {
                result.Add(serverOnly[b++]);
            }
            else if (b >= serverOnly.Count)
            {
                result.Add(listed[a++]);
            }
            else
            {
                // Both known to the server: keep the server's relative order. Otherwise the listed item goes first.
                var ia = IndexIn(server, listed[a]);
                var ib = IndexIn(server, serverOnly[b]);
                result.Add(ia >= 0 && ib >= 0 && ib < ia ? serverOnly[b++] : listed[a++]);
            }
        }

        target[name] = new JsonArray(result.ToArray());
    }

    private static string? DirectiveOf(JsonObject o)
    {
        if (!o.TryGetPropertyValue(PatchDirective, out var d))
        {
            return null;
        }

        var directive = d is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        return directive switch
        {
            "replace" or "merge" or "delete" => directive,
            _ => throw PatchException.Bad($"invalid strategic merge patch: unknown $patch directive {d?.ToJsonString() ?? "null"}"),
        };
    }

    private static JsonObject WithoutDirectives(JsonObject o)
    {
        var copy = (JsonObject)o.DeepClone();
        foreach (var key in copy.Select(p => p.Key).Where(k => k == PatchDirective || k == RetainKeysDirective ||
                     k.StartsWith(SetElementOrderPrefix, StringComparison.Ordinal) || k.StartsWith(DeleteFromPrimitiveListPrefix, StringComparison.Ordinal)).ToList())
        {
            copy.Remove(key);
        }

        return copy;
    }
}
