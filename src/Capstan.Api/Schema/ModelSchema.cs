using System.Collections;
using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json.Serialization;

namespace Capstan.Api.Schema;

public enum FieldShape
{
    /// <summary>A nested object with its own <see cref="ModelSchema"/>.</summary>
    Object,

    /// <summary>A JSON array; <see cref="FieldSchema.ElementType"/> says of what.</summary>
    List,

    /// <summary>A JSON object with free keys (labels, data, resources); <see cref="FieldSchema.ElementType"/> is the value type.</summary>
    Map,

    /// <summary>string, number, boolean, quantity, int-or-string, date-time, bytes, or free-form JSON.</summary>
    Scalar,
}

/// <summary>One JSON property of a Kubernetes model type.</summary>
/// <param name="JsonName">The name on the wire.</param>
/// <param name="ClrType">The model property's type (nullable unwrapped).</param>
/// <param name="ElementType">For lists and maps: the item type.</param>
/// <param name="Patch">Patch and list-type metadata from <see cref="PatchMetadata"/>; null when the field has none.</param>
public sealed record FieldSchema(string JsonName, Type ClrType, FieldShape Shape, Type? ElementType, bool Required, PatchInfo? Patch)
{
    /// <summary>The model property's CLR name ("NamespaceProperty" for "namespace"); the key of its documentation.</summary>
    public string PropertyName { get; init; } = JsonName;

    /// <summary>The schema of the nested object (for Object) or of the elements (for List and Map of objects); null for scalars.</summary>
    public ModelSchema? Nested
    {
        get
        {
            var t = Shape == FieldShape.Object ? ClrType : ElementType;
            return t is not null && ModelSchema.IsModel(t) ? ModelSchema.For(t) : null;
        }
    }
}

/// <summary>
/// The JSON shape of a KubernetesClient model type (V1Pod, V1PodSpec...), read once by reflection and cached.
/// Patch, apply, unknown-field detection and OpenAPI all walk objects with it.
/// </summary>
public sealed class ModelSchema
{
    private static readonly ConcurrentDictionary<Type, ModelSchema> Cache = new();
    private static readonly ConcurrentDictionary<Type, bool> ModelTypes = new();

    private ModelSchema(Type type)
    {
        ClrType = type;
        var fields = new Dictionary<string, FieldSchema>(StringComparer.Ordinal);
        foreach (var p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var name = p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name;
            if (name is null)
            {
                continue;
            }

            var propertyType = Nullable.GetUnderlyingType(p.PropertyType) ?? p.PropertyType;
            var (shape, element) = Classify(propertyType);
            var required = p.GetCustomAttribute<JsonRequiredAttribute>() is not null;
            fields[name] = new FieldSchema(name, propertyType, shape, element, required, PatchMetadata.Find(type, name)) { PropertyName = p.Name };
        }

        Fields = fields;
    }

    public Type ClrType { get; }

    /// <summary>The model's JSON properties by wire name.</summary>
    public IReadOnlyDictionary<string, FieldSchema> Fields { get; }

    public static ModelSchema For(Type type) => Cache.GetOrAdd(type, t => new ModelSchema(t));

    /// <summary>True for generated Kubernetes model classes (namespace k8s.Models), which have their own schema.</summary>
    /// <remarks>Cached: every walk of an object asks it per field (<see cref="FieldSchema.Nested"/>), and the reflection
    /// behind it (property arrays, attribute instances) was a few percent of the API server's CPU under load.</remarks>
    public static bool IsModel(Type type) => ModelTypes.GetOrAdd(type, static t =>
        t.IsClass && t.Namespace == "k8s.Models" && t.GetProperties().Any(p => p.GetCustomAttribute<JsonPropertyNameAttribute>() is not null));

    private static (FieldShape Shape, Type? Element) Classify(Type t)
    {
        if (t == typeof(string) || t == typeof(byte[]) || t.IsPrimitive || t.IsValueType)
        {
            return (FieldShape.Scalar, null);
        }

        var dictionary = t.IsGenericType && t.GetGenericTypeDefinition() is var d && (d == typeof(IDictionary<,>) || d == typeof(Dictionary<,>))
            ? t
            : t.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IDictionary<,>));
        if (dictionary is not null)
        {
            return (FieldShape.Map, dictionary.GetGenericArguments()[1]);
        }

        if (typeof(IEnumerable).IsAssignableFrom(t))
        {
            var list = t.IsGenericType && t.GetGenericArguments().Length == 1
                ? t
                : t.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>));
            return (FieldShape.List, list?.GetGenericArguments()[0]);
        }

        return IsModel(t) ? (FieldShape.Object, null) : (FieldShape.Scalar, null);
    }
}
