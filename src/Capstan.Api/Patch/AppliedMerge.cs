using System.Text.Json.Nodes;
using Capstan.Api.Schema;

namespace Capstan.Api.Patch;

/// <summary>
/// Lays an applied configuration over the live object for server-side apply: objects merge field by field, map lists by
/// their keys, set lists as sets; atomic values are replaced. Nothing is removed here (removal follows ownership).
/// </summary>
internal static class AppliedMerge
{
    /// <summary>Merges <paramref name="applied"/> into <paramref name="live"/>, which is changed in place.</summary>
    public static void MergeInto(JsonObject live, JsonObject applied, ModelSchema? schema) => MergeObject(live, applied, schema, null);

    private static void MergeObject(JsonObject live, JsonObject applied, ModelSchema? schema, FieldSchema? mapField)
    {
        foreach (var (name, value) in applied)
        {
            if (value is null)
            {
                continue;
            }

            var field = SchemaNavigation.Child(schema, mapField, name);
            var existing = live.TryGetPropertyValue(name, out var e) ? e : null;
            if (existing is not null)
            {
                live.Remove(name);
            }

            live[name] = Merge(existing, value, field);
        }
    }

    private static JsonNode Merge(JsonNode? live, JsonNode applied, FieldSchema? field)
    {
        switch (applied)
        {
            case JsonObject obj when !SchemaNavigation.IsAtomicObject(field):
            {
                var target = live as JsonObject ?? new JsonObject();
                var (schema, mapField) = SchemaNavigation.ObjectContext(field);
                MergeObject(target, obj, schema, mapField);
                return target;
            }

            case JsonArray list when field is { Shape: FieldShape.List } && live is JsonArray liveList:
                return MergeList(liveList, list, field);
            default:
                return applied.DeepClone();
        }
    }

    private static JsonArray MergeList(JsonArray live, JsonArray applied, FieldSchema field)
    {
        var (kind, keys) = SchemaNavigation.ListType(field);
        if (kind == ListKind.Atomic || (kind == ListKind.Map && keys.Count == 0))
        {
            return (JsonArray)applied.DeepClone();
        }

        var items = live.Select(i => i?.DeepClone()).ToList();
        foreach (var item in applied)
        {
            if (kind == ListKind.Set)
            {
                if (!items.Any(i => JsonNode.DeepEquals(i, item)))
                {
                    items.Add(item?.DeepClone());
                }

                continue;
            }

            if (item is not JsonObject obj)
            {
                continue;
            }

            var index = PathElements.IndexOf(items, PathElements.Key(obj, keys));
            if (index >= 0)
            {
                var target = items[index] as JsonObject ?? new JsonObject();
                MergeObject(target, obj, field.Nested, null);
                items[index] = target;
            }
            else
            {
                items.Add(obj.DeepClone());
            }
        }

        return new JsonArray(items.ToArray());
    }
}
