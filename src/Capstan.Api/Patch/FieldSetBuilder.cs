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

    /// <summary>
    /// The field sets of the parts of <paramref name="old"/> and <paramref name="updated"/> that differ: a value equal in both
    /// (same position, deep-equal) is left out of both sets, objects that differ are compared field by field, and any
    /// other differing value (a scalar, a list, an atomic or empty object) has its whole field set built on each side.
    /// Set algebra over these partial sets (membership, difference) gives the same answers, for paths in them, as over
    /// the full sets of the two objects, since a left-out value has the same paths on both sides and no path elsewhere.
    /// </summary>
    /// <param name="include">Top-level fields to walk (the others are left out of both sets).</param>
    /// <param name="ignoredMetadata">Fields of metadata left out of both sets.</param>
    public static (FieldSet Old, FieldSet Updated) Diff(JsonObject old, JsonObject updated, ModelSchema? schema, Func<string, bool> include, IReadOnlySet<string> ignoredMetadata)
    {
        var oldBuilder = new FieldSetBuilder(strict: false);
        var newBuilder = new FieldSetBuilder(strict: false);
        var path = new List<string>();
        foreach (var (name, value) in updated)
        {
            if (value is null || !include(name))
            {
                continue;
            }

            old.TryGetPropertyValue(name, out var oldValue);
            var field = SchemaNavigation.Child(schema, null, name);
            path.Add(PathElements.Field(name));
            if (name == "metadata" && value is JsonObject meta && oldValue is JsonObject oldMeta)
            {
                DiffMetadata(oldMeta, meta, field, ignoredMetadata, oldBuilder, newBuilder, path);
            }
            else
            {
                DiffValue(oldValue, value, field, oldBuilder, newBuilder, path);
            }

            path.RemoveAt(path.Count - 1);
        }

        foreach (var (name, value) in old)
        {
            if (value is not null && include(name) && updated[name] is null)
            {
                var field = SchemaNavigation.Child(schema, null, name);
                path.Add(PathElements.Field(name));
                if (name == "metadata" && value is JsonObject oldMeta)
                {
                    DiffMetadata(oldMeta, new JsonObject(), field, ignoredMetadata, oldBuilder, newBuilder, path);
                }
                else
                {
                    oldBuilder.WalkValue(value, field, path);
                }

                path.RemoveAt(path.Count - 1);
            }
        }

        return (oldBuilder._set, newBuilder._set);
    }

    // metadata minus the fields server-side apply ignores; an empty result is a leaf, as FieldSetBuilder would count it.
    private static void DiffMetadata(JsonObject old, JsonObject updated, FieldSchema? field, IReadOnlySet<string> ignored, FieldSetBuilder oldBuilder, FieldSetBuilder newBuilder, List<string> path)
    {
        if (old.Count == 0 || updated.Count == 0 || SchemaNavigation.IsAtomicObject(field))
        {
            // A leaf on one side at least: let the general comparison decide.
            DiffValue(old, updated, field, oldBuilder, newBuilder, path);
            return;
        }

        var (schema, mapField) = SchemaNavigation.ObjectContext(field);
        DiffFields(old, updated, schema, mapField, ignored, oldBuilder, newBuilder, path);
    }

    private static void DiffValue(JsonNode? old, JsonNode? updated, FieldSchema? field, FieldSetBuilder oldBuilder, FieldSetBuilder newBuilder, List<string> path)
    {
        if (old is not null && updated is not null && JsonNode.DeepEquals(old, updated))
        {
            return;
        }

        if (old is JsonObject { Count: > 0 } oldObj && updated is JsonObject { Count: > 0 } newObj && !SchemaNavigation.IsAtomicObject(field))
        {
            var (schema, mapField) = SchemaNavigation.ObjectContext(field);
            DiffFields(oldObj, newObj, schema, mapField, null, oldBuilder, newBuilder, path);
            return;
        }

        if (old is not null)
        {
            oldBuilder.WalkValue(old, field, path);
        }

        if (updated is not null)
        {
            newBuilder.WalkValue(updated, field, path);
        }
    }

    private static void DiffFields(JsonObject old, JsonObject updated, ModelSchema? schema, FieldSchema? mapField, IReadOnlySet<string>? ignored, FieldSetBuilder oldBuilder, FieldSetBuilder newBuilder, List<string> path)
    {
        foreach (var (name, value) in updated)
        {
            if (value is null || ignored?.Contains(name) == true)
            {
                continue;
            }

            old.TryGetPropertyValue(name, out var oldValue);
            path.Add(PathElements.Field(name));
            DiffValue(oldValue, value, SchemaNavigation.Child(schema, mapField, name), oldBuilder, newBuilder, path);
            path.RemoveAt(path.Count - 1);
        }

        foreach (var (name, value) in old)
        {
            if (value is null || ignored?.Contains(name) == true || updated[name] is not null)
            {
                continue;
            }

            path.Add(PathElements.Field(name));
            oldBuilder.WalkValue(value, SchemaNavigation.Child(schema, mapField, name), path);
            path.RemoveAt(path.Count - 1);
        }
    }

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

    private void WalkValue(JsonNode value, FieldSchema? field, List<string> path)
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
