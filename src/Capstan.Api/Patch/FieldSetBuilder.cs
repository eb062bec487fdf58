using System.Text.Json.Nodes;
using Capstan.Api.Schema;

namespace Capstan.Api.Patch;

/// <summary>
/// The field set an object sets, the way server-side apply counts ownership: every leaf value (scalars, atomic lists and
/// maps, empty objects), every item of a map list (by its keys, with the item's own fields below) and every item of a set list.
/// </summary>
internal sealed class FieldSetBuilder
{
    private readonly bool _strict;
    private readonly FieldSet _set = new();

    private FieldSetBuilder(bool strict)
    {
        _strict = strict;
    }

    /// <param name="strict">For an applied configuration: a map-list item without its key fields, or two items with the same key, is an error.</param>
    public static FieldSet Build(JsonObject obj, ModelSchema? schema, bool strict = false)
    {
        var builder = new FieldSetBuilder(strict);
        builder.WalkObject(obj, schema, null, []);
        return builder._set;
    }

    /// <summary>A builder that collects paths below given positions (for <see cref="FieldSetDiff"/>).</summary>
    internal static FieldSetBuilder Partial() => new(strict: false);

    internal FieldSet Set => _set;

    private void WalkObject(JsonObject obj, ModelSchema? schema, FieldSchema? mapField, List<string> path)
    {
        foreach (var (name, value) in obj)
        {
            if (value is null)
            {
                continue; // an explicit null sets nothing
            }

            path.Add(PathElements.Field(name));
            WalkValue(value, SchemaNavigation.Child(schema, mapField, name), path);
            path.RemoveAt(path.Count - 1);
        }
    }

    internal void WalkValue(JsonNode value, FieldSchema? field, List<string> path)
    {
        switch (value)
        {
            case JsonObject obj when obj.Count > 0 && !SchemaNavigation.IsAtomicObject(field):
            {
                var (schema, mapField) = SchemaNavigation.ObjectContext(field);
                WalkObject(obj, schema, mapField, path);
                break;
            }

            case JsonArray list when field is { Shape: FieldShape.List }:
                WalkList(list, field, path);
                break;
            default:
                _set.Insert(path);
                break;
        }
    }

    private void WalkList(JsonArray list, FieldSchema field, List<string> path)
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

                    var key = PathElements.Key(obj, keys, out var missing);
                    if (_strict && missing is not null)
                    {
                        throw PatchException.Bad($"{FieldSet.FormatPath(path)}: associative list with keys has an element that omits key field \"{missing}\"");
                    }

                    path.Add(key);
                    if (_strict && _set.Contains(path))
                    {
                        throw PatchException.Bad($"{FieldSet.FormatPath(path)}: duplicate entries for key");
                    }

                    _set.Insert(path);
                    WalkObject(obj, field.Nested, null, path);
                    path.RemoveAt(path.Count - 1);
                }

                break;
            case ListKind.Set:
                foreach (var item in list)
                {
                    path.Add(PathElements.Value(item));
                    _set.Insert(path);
                    path.RemoveAt(path.Count - 1);
                }

                break;
            default:
                _set.Insert(path);
                break;
        }
    }
}
