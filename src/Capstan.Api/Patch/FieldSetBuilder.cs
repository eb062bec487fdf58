using System.Text.Json.Nodes;
using Capstan.Api.Schema;

namespace Capstan.Api.Patch;

/// <summary>
/// The field set an object sets, the way server-side apply counts ownership: every leaf value (scalars, atomic lists and
/// maps, empty objects), every item of a map list (by its keys, with the item's own fields below) and every item of a set list.
/// </summary>
internal static class FieldSetBuilder
{
    public static FieldSet Build(JsonObject obj, ModelSchema schema)
    {
        var set = new FieldSet();
        WalkObject(obj, schema, null, [], set);
        return set;
    }

    private static void WalkObject(JsonObject obj, ModelSchema? schema, FieldSchema? mapField, List<string> path, FieldSet set)
    {
        foreach (var (name, value) in obj)
        {
            if (value is null)
            {
                continue; // an explicit null sets nothing
            }

            path.Add(PathElements.Field(name));
            WalkValue(value, SchemaNavigation.Child(schema, mapField, name), path, set);
            path.RemoveAt(path.Count - 1);
        }
    }

    private static void WalkValue(JsonNode value, FieldSchema? field, List<string> path, FieldSet set)
    {
        switch (value)
        {
            case JsonObject obj when obj.Count > 0 && !SchemaNavigation.IsAtomicObject(field):
            {
                var (schema, mapField) = SchemaNavigation.ObjectContext(field);
                WalkObject(obj, schema, mapField, path, set);
                break;
            }

            case JsonArray list when field is { Shape: FieldShape.List }:
                WalkList(list, field, path, set);
                break;
            default:
                set.Insert(path);
                break;
        }
    }

    private static void WalkList(JsonArray list, FieldSchema field, List<string> path, FieldSet set)
    {
        var (kind, keys) = SchemaNavigation.ListType(field);
        switch (kind)
        {
            case ListKind.Map when keys.Count > 0:
                foreach (var item in list)
                {
                    if (item is not JsonObject obj)
                    {
                        continue;
                    }

                    path.Add(PathElements.Key(obj, keys));
                    set.Insert(path);
                    WalkObject(obj, field.Nested, null, path, set);
                    path.RemoveAt(path.Count - 1);
                }

                break;
            case ListKind.Set:
                foreach (var item in list)
                {
                    path.Add(PathElements.Value(item));
                    set.Insert(path);
                    path.RemoveAt(path.Count - 1);
                }

                break;
            default:
                set.Insert(path);
                break;
        }
    }
}
