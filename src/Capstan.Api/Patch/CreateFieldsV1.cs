using System.Text.Json.Nodes;
using Capstan.Api.Schema;

namespace Capstan.Api.Patch;

/// <summary>
/// The <c>fieldsV1</c> a create's Update entry gets, written in one walk of the new object: the same JSON as building its
/// <see cref="FieldSet"/> (<see cref="FieldSetBuilder"/>), scoping it to the main resource and encoding it
/// (<see cref="FieldSet.ToFieldsV1"/>), without the intermediate set, its sorted dictionaries and path lookups from the root.
/// </summary>
internal static class CreateFieldsV1
{
    private static readonly JsonObject Unused = new();

    /// <summary>
    /// The encoded set of <paramref name="obj"/> without status, apiVersion, kind and metadata's server-owned fields (empty when
    /// nothing is left); null when two items of a list share a <c>k:</c>/<c>v:</c> element (their fields merge: the caller
    /// takes the set path) or <c>metadata</c> is not a walked object.
    /// </summary>
    public static JsonObject? Build(JsonObject obj, ModelSchema? schema, IReadOnlySet<string> ignoredMetadata)
    {
        var children = new List<KeyValuePair<string, JsonNode?>>(obj.Count);
        foreach (var (name, value) in obj)
        {
            if (value is null || name is "apiVersion" or "kind" or "status")
            {
                continue;
            }

            var field = SchemaNavigation.Child(schema, null, name);
            JsonObject? node;
            if (name == "metadata")
            {
                // The metadata path itself is never a member: only the fields below it that are not the server's.
                if (value is not JsonObject { Count: > 0 } metadata || SchemaNavigation.IsAtomicObject(field))
                {
                    return null;
                }

                var (metaSchema, metaMap) = SchemaNavigation.ObjectContext(field);
                node = Object(metadata, metaSchema, metaMap, ignoredMetadata);
                if (ReferenceEquals(node, Unused))
                {
                    return null;
                }

                if (node is null || node.Count == 0)
                {
                    continue;
                }
            }
            else
            {
                node = Value(value, field);
                if (ReferenceEquals(node, Unused))
                {
                    return null;
                }

                if (node is null)
                {
                    continue;
                }
            }

            children.Add(new(PathElements.Field(name), node));
        }

        return Sorted(children);
    }

    // The encoded subtree of a value: {} for a leaf; null when it sets nothing (an object of nulls); Unused to give up.
    private static JsonObject? Value(JsonNode value, FieldSchema? field)
    {
        switch (value)
        {
            case JsonObject obj when obj.Count > 0 && !SchemaNavigation.IsAtomicObject(field):
            {
                var (schema, mapField) = SchemaNavigation.ObjectContext(field);
                return Object(obj, schema, mapField, null);
            }

            case JsonArray list when field is { Shape: FieldShape.List }:
                return List(list, field);
            default:
                return [];
        }
    }

    private static JsonObject? Object(JsonObject obj, ModelSchema? schema, FieldSchema? mapField, IReadOnlySet<string>? skip)
    {
        if (!TryChildren(obj, schema, mapField, skip, null, out var children))
        {
            return Unused;
        }

        return children is null ? null : Sorted(children);
    }

    // The encoded fields of an object, unsorted, after `first` when given; false to give up.
    private static bool TryChildren(JsonObject obj, ModelSchema? schema, FieldSchema? mapField, IReadOnlySet<string>? skip, KeyValuePair<string, JsonNode?>? first, out List<KeyValuePair<string, JsonNode?>>? children)
    {
        children = null;
        foreach (var (name, value) in obj)
        {
            if (value is null || skip?.Contains(name) == true)
            {
                continue;
            }

            var node = Value(value, SchemaNavigation.Child(schema, mapField, name));
            if (ReferenceEquals(node, Unused))
            {
                return false;
            }

            if (node is not null)
            {
                if (children is null)
                {
                    children = new(obj.Count + 1);
                    if (first is { } f)
                    {
                        children.Add(f);
                    }
                }

                children.Add(new(PathElements.Field(name), node));
            }
        }

        return true;
    }

    private static JsonObject? List(JsonArray list, FieldSchema field)
    {
        var (kind, keys) = SchemaNavigation.ListType(field);
        switch (kind)
        {
            case ListKind.Map when keys.Count > 0:
            {
                List<KeyValuePair<string, JsonNode?>>? items = null;
                foreach (var item in list)
                {
                    if (item is not JsonObject obj)
                    {
                        continue;
                    }

                    // An item is a member: a leaf, or "." (which sorts first) beside its own fields.
                    if (!TryChildren(obj, field.Nested, null, null, new(".", new JsonObject()), out var fields))
                    {
                        return Unused;
                    }

                    var node = fields is null ? [] : Sorted(fields);
                    if (ReferenceEquals(node, Unused))
                    {
                        return Unused;
                    }

                    (items ??= new(list.Count)).Add(new(PathElements.Key(obj, keys), node));
                }

                return items is null ? null : Sorted(items);
            }

            case ListKind.Set:
            {
                List<KeyValuePair<string, JsonNode?>>? items = null;
                foreach (var item in list)
                {
                    (items ??= new(list.Count)).Add(new(PathElements.Value(item), new JsonObject()));
                }

                return items is null ? null : Sorted(items);
            }

            default:
                return [];
        }
    }

    // Elements in ordinal order, as FieldSet keeps them; two equal elements would merge into one node, which this walk does not do.
    private static JsonObject Sorted(List<KeyValuePair<string, JsonNode?>> children)
    {
        if (children.Count > 1)
        {
            children.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
            for (var i = 1; i < children.Count; i++)
            {
                if (children[i].Key == children[i - 1].Key)
                {
                    return Unused;
                }
            }
        }

        return new JsonObject(children);
    }
}
