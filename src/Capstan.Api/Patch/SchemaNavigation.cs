using Capstan.Api.Schema;

namespace Capstan.Api.Patch;

/// <summary>How the patch algorithms see a list field: its list type and the keys that identify its items.</summary>
internal enum ListKind
{
    Atomic,
    Set,
    Map,
}

/// <summary>Steps from a schema node to its children (object fields, map values, list items) for the patch walkers.</summary>
internal static class SchemaNavigation
{
    /// <summary>The schema of property <paramref name="key"/> of an object described by <paramref name="schema"/>, or of a value in the map <paramref name="mapField"/>.</summary>
    public static FieldSchema? Child(ModelSchema? schema, FieldSchema? mapField, string key) =>
        mapField is not null ? MapValue(mapField) : schema?.Fields.GetValueOrDefault(key);

    /// <summary>A synthetic field schema for the values of a map field (labels, data, limits...).</summary>
    public static FieldSchema? MapValue(FieldSchema mapField)
    {
        var t = mapField.ElementType;
        if (t is null)
        {
            return null;
        }

        return ModelSchema.IsModel(t)
            ? new FieldSchema(mapField.JsonName, t, FieldShape.Object, null, false, null)
            : new FieldSchema(mapField.JsonName, t, FieldShape.Scalar, null, false, null);
    }

    /// <summary>The object schema and map-ness of a field's object value: (schema, mapField) for <see cref="Child"/>.</summary>
    public static (ModelSchema? Schema, FieldSchema? MapField) ObjectContext(FieldSchema? field) => field?.Shape switch
    {
        FieldShape.Map => (null, field),
        FieldShape.Object => (field.Nested, null),
        _ => (null, null),
    };

    /// <summary>True when the field's object value is owned and replaced as a whole (x-kubernetes-map-type: atomic).</summary>
    public static bool IsAtomicObject(FieldSchema? field) =>
        field is not null && (field.Patch?.MapType == "atomic" || (field.Shape == FieldShape.Scalar && field.ClrType != typeof(object)));

    /// <summary>
    /// The list type for server-side apply: the declared x-kubernetes-list-type; otherwise, as Kubernetes derives it,
    /// a merge key makes a map list, a merge strategy without key a set, and anything else is atomic.
    /// </summary>
    public static (ListKind Kind, IReadOnlyList<string> Keys) ListType(FieldSchema? field)
    {
        var patch = field?.Patch;
        switch (patch?.ListType)
        {
            case "map":
                return (ListKind.Map, patch.ListMapKeys ?? (patch.PatchMergeKey is { } k ? [k] : []));
            case "set":
                return (ListKind.Set, []);
            case "atomic":
                return (ListKind.Atomic, []);
        }

        if (patch?.PatchMergeKey is { } key)
        {
            return (ListKind.Map, [key]);
        }

        return patch?.PatchStrategy?.Contains("merge", StringComparison.Ordinal) == true ? (ListKind.Set, []) : (ListKind.Atomic, []);
    }
}
