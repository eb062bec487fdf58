using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Capstan.Api.Schema;

namespace Capstan.Api.Patch;

/// <summary>
/// The field sets of the parts of two versions of an object that differ: a value identical in both (same position, same
/// JSON up to property order) is left out of both sets, objects that differ are compared field by field, and any other
/// differing value (a scalar, a list, an atomic or empty object) has its whole field set built on each side. Set algebra
/// over these partial sets (membership, difference) answers as over the full sets of the two objects for the paths in
/// them, since a left-out value has the same paths on both sides and no path elsewhere.
/// </summary>
internal sealed class FieldSetDiff
{
    private readonly FieldSetBuilder _old = FieldSetBuilder.Partial();
    private readonly FieldSetBuilder _updated = FieldSetBuilder.Partial();
    private readonly List<string> _path = [];

    private FieldSetDiff()
    {
    }

    public FieldSet Old => _old.Set;

    public FieldSet Updated => _updated.Set;

    /// <summary>True when some compared value differs as <see cref="JsonNode.DeepEquals"/> sees it, so the objects do too.</summary>
    public bool Differs { get; private set; }

    /// <param name="include">Top-level fields to compare (the others are left out of both sets).</param>
    /// <param name="ignoredMetadata">Fields of metadata left out of both sets.</param>
    public static FieldSetDiff Compute(JsonObject old, JsonObject updated, ModelSchema? schema, Func<string, bool> include, IReadOnlySet<string> ignoredMetadata)
    {
        var diff = new FieldSetDiff();
        foreach (var (name, value) in updated)
        {
            if (value is not null && include(name))
            {
                old.TryGetPropertyValue(name, out var oldValue);
                diff.Compare(oldValue, value, SchemaNavigation.Child(schema, null, name), name, name == "metadata" ? ignoredMetadata : null);
            }
        }

        foreach (var (name, value) in old)
        {
            if (value is not null && include(name) && updated[name] is null)
            {
                diff.Compare(value, null, SchemaNavigation.Child(schema, null, name), name, null);
            }
        }

        return diff;
    }

    // Compares the values of field `name` under the current path; `ignored` names fields of an object value to skip.
    private void Compare(JsonNode? old, JsonNode? updated, FieldSchema? field, string name, IReadOnlySet<string>? ignored)
    {
        _path.Add(PathElements.Field(name));
        CompareValue(old, updated, field, ignored);
        _path.RemoveAt(_path.Count - 1);
    }

    private void CompareValue(JsonNode? old, JsonNode? updated, FieldSchema? field, IReadOnlySet<string>? ignored)
    {
        if (ignored is not null)
        {
            // metadata: its server-owned fields may differ without the write changing anything (resourceVersion,
            // managedFields), so only the fields below it say whether the objects differ.
            if (old is JsonObject { Count: > 0 } oldMeta && updated is JsonObject { Count: > 0 } newMeta && !SchemaNavigation.IsAtomicObject(field))
            {
                var (schema, mapField) = SchemaNavigation.ObjectContext(field);
                CompareFields(oldMeta, newMeta, schema, mapField, ignored);
                return;
            }

            var differs = Differs;
            CompareValue(old, updated, field, null);
            Differs = differs;
            return;
        }

        if (old is not null && updated is not null)
        {
            var sameness = Sameness(old, updated);
            if (sameness == Same.Identical)
            {
                return;
            }

            Differs |= sameness == Same.Different;
            if (old is JsonObject { Count: > 0 } oldObj && updated is JsonObject { Count: > 0 } newObj && !SchemaNavigation.IsAtomicObject(field))
            {
                var (schema, mapField) = SchemaNavigation.ObjectContext(field);
                CompareFields(oldObj, newObj, schema, mapField, ignored);
                return;
            }
        }
        else
        {
            Differs = true;
        }

        if (old is not null)
        {
            _old.WalkValue(old, field, _path);
        }

        if (updated is not null)
        {
            _updated.WalkValue(updated, field, _path);
        }
    }

    private void CompareFields(JsonObject old, JsonObject updated, ModelSchema? schema, FieldSchema? mapField, IReadOnlySet<string>? ignored)
    {
        foreach (var (name, value) in updated)
        {
            if (value is not null && ignored?.Contains(name) != true)
            {
                old.TryGetPropertyValue(name, out var oldValue);
                Compare(oldValue, value, SchemaNavigation.Child(schema, mapField, name), name, null);
            }
        }

        foreach (var (name, value) in old)
        {
            if (value is not null && ignored?.Contains(name) != true && updated[name] is null)
            {
                Compare(value, null, SchemaNavigation.Child(schema, mapField, name), name, null);
            }
        }
    }

    private enum Same
    {
        Identical,

        // Equal to JsonNode.DeepEquals, but a number is spelled differently (1 and 1.0): field sets may still differ (v:1, v:1.0).
        EqualValues,
        Different,
    }

    private static Same Sameness(JsonNode? a, JsonNode? b)
    {
        switch (a)
        {
            case null:
                return b is null ? Same.Identical : Same.Different;
            case JsonObject x:
            {
                if (b is not JsonObject y || x.Count != y.Count)
                {
                    return Same.Different;
                }

                var result = Same.Identical;
                foreach (var (name, value) in x)
                {
                    if (!y.TryGetPropertyValue(name, out var other))
                    {
                        return Same.Different;
                    }

                    var s = Sameness(value, other);
                    if (s == Same.Different)
                    {
                        return s;
                    }

                    result = s > result ? s : result;
                }

                return result;
            }

            case JsonArray x:
            {
                if (b is not JsonArray y || x.Count != y.Count)
                {
                    return Same.Different;
                }

                var result = Same.Identical;
                for (var i = 0; i < x.Count; i++)
                {
                    var s = Sameness(x[i], y[i]);
                    if (s == Same.Different)
                    {
                        return s;
                    }

                    result = s > result ? s : result;
                }

                return result;
            }

            default:
            {
                if (b is not JsonValue y || a is not JsonValue x)
                {
                    return Same.Different;
                }

                var kind = x.GetValueKind();
                if (kind != y.GetValueKind())
                {
                    return Same.Different;
                }

                if (kind != JsonValueKind.Number)
                {
                    return JsonNode.DeepEquals(x, y) ? Same.Identical : Same.Different;
                }

                if (!JsonNode.DeepEquals(x, y))
                {
                    return Same.Different;
                }

                return SameSpelling(x, y) ? Same.Identical : Same.EqualValues;
            }
        }
    }

    private static bool SameSpelling(JsonValue x, JsonValue y) =>
        x.TryGetValue<JsonElement>(out var ex) && y.TryGetValue<JsonElement>(out var ey)
            ? JsonMarshal.GetRawUtf8Value(ex).SequenceEqual(JsonMarshal.GetRawUtf8Value(ey))
            : x.ToJsonString() == y.ToJsonString();
}
