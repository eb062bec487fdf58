using System.Reflection;
using System.Text.Json.Nodes;
using Capstan.Api.Schema;
using k8s.Models;

namespace Capstan.Api.OpenApi;

/// <summary>
/// Writes the OpenAPI schemas of model types, collecting every definition they reach.
/// One writer per document: <see cref="Definitions"/> holds what was referenced so far, by definition name.
/// </summary>
public sealed class SchemaWriter
{
    /// <summary>Date-time fields Kubernetes declares as MicroTime rather than Time.</summary>
    private static readonly HashSet<(string Type, string Field)> MicroTimeFields =
    [
        ("Corev1Event", "eventTime"), ("Eventsv1Event", "eventTime"),
        ("Corev1EventSeries", "lastObservedTime"), ("Eventsv1EventSeries", "lastObservedTime"),
        ("V1LeaseSpec", "acquireTime"), ("V1LeaseSpec", "renewTime"),
    ];

    private readonly DefinitionNames _names;
    private readonly ModelDocs _docs;
    private readonly OpenApiFlavor _flavor;
    private readonly SortedDictionary<string, JsonObject> _definitions = new(StringComparer.Ordinal);

    public SchemaWriter(DefinitionNames names, ModelDocs docs, OpenApiFlavor flavor)
    {
        _names = names;
        _docs = docs;
        _flavor = flavor;
    }

    /// <summary>Definitions written so far, sorted by name.</summary>
    public IReadOnlyDictionary<string, JsonObject> Definitions => _definitions;

    private string RefPrefix => _flavor == OpenApiFlavor.V2 ? "#/definitions/" : "#/components/schemas/";

    /// <summary>A bare <c>$ref</c> to the definition of a model type, writing that definition (and what it reaches) if new.</summary>
    public JsonObject RefTo(Type modelType) => Ref(Define(modelType));

    /// <summary>A bare <c>$ref</c> to a definition name already written or intrinsic.</summary>
    public JsonObject Ref(string definition) => new() { ["$ref"] = RefPrefix + definition };

    /// <summary>Writes the definition of a model type and returns its name.</summary>
    public string Define(Type modelType)
    {
        var name = _names.Find(modelType) ?? throw new ArgumentException($"{modelType.Name} has no Kubernetes definition name", nameof(modelType));
        if (_definitions.ContainsKey(name))
        {
            return name;
        }

        if (DefineIntrinsic(name))
        {
            return name;
        }

        var schema = new JsonObject();
        _definitions[name] = schema; // before the fields, so recursive types terminate
        AddDescription(schema, _docs.ForType(modelType));

        var properties = new JsonObject();
        var required = new JsonArray();
        foreach (var field in ModelSchema.For(modelType).Fields.Values.OrderBy(f => f.JsonName, StringComparer.Ordinal))
        {
            properties[field.JsonName] = Property(modelType, field);
            if (IsRequired(modelType, field))
            {
                required.Add(field.JsonName);
            }
        }

        if (required.Count > 0)
        {
            schema["required"] = required;
        }

        schema["type"] = "object";
        schema["properties"] = properties;

        var entity = modelType.GetCustomAttribute<KubernetesEntityAttribute>();
        if (entity is not null && !string.IsNullOrEmpty(entity.Kind))
        {
            schema["x-kubernetes-group-version-kind"] = new JsonArray(
                new JsonObject { ["group"] = entity.Group, ["kind"] = entity.Kind, ["version"] = entity.ApiVersion });
        }

        return name;
    }

    /// <summary>Writes one of the apimachinery definitions that are not model classes.</summary>
    public bool DefineIntrinsic(string name)
    {
        JsonObject? schema = name switch
        {
            DefinitionNames.Quantity => OneOf(
                "A fixed-point number with an optional SI or binary suffix, such as \"100m\", \"2Gi\" or \"1.5\".", null, "string", "number"),
            DefinitionNames.IntOrString => OneOf(
                "Either an integer or a string, such as a port number or a port name, or \"25%\".", "int-or-string", "integer", "string"),
            DefinitionNames.Time => new JsonObject
            {
                ["description"] = "A timestamp in RFC 3339 form, to the second.",
                ["format"] = "date-time",
                ["type"] = "string",
            },
            DefinitionNames.MicroTime => new JsonObject
            {
                ["description"] = "A timestamp in RFC 3339 form, to the microsecond.",
                ["format"] = "date-time",
                ["type"] = "string",
            },
            DefinitionNames.FieldsV1 => new JsonObject
            {
                ["description"] = "A set of fields in the fieldsV1 trie format used by server-side apply.",
                ["type"] = "object",
            },
            DefinitionNames.RawExtension => new JsonObject
            {
                ["description"] = "An embedded object of any kind, kept as JSON.",
                ["type"] = "object",
            },
            DefinitionNames.Patch => new JsonObject
            {
                ["description"] = "The body of a PATCH request: a JSON patch, a merge patch, a strategic merge patch or an apply configuration.",
                ["type"] = "object",
            },
            _ => null,
        };
        if (schema is null)
        {
            return false;
        }

        _definitions.TryAdd(name, schema);
        return true;
    }

    /// <summary>
    /// A scalar that takes several JSON types. Swagger 2.0 cannot say so and declares a string; OpenAPI 3.0 lists the types
    /// in <c>oneOf</c> without a top-level type, which is also what makes kubectl explain print "Quantity" and "IntOrString".
    /// </summary>
    private JsonObject OneOf(string description, string? format, params string[] types)
    {
        var schema = new JsonObject { ["description"] = description };
        if (format is not null)
        {
            schema["format"] = format;
        }

        if (_flavor == OpenApiFlavor.V2)
        {
            schema["type"] = "string";
        }
        else
        {
            schema["oneOf"] = new JsonArray(types.Select(t => (JsonNode)new JsonObject { ["type"] = t }).ToArray());
        }

        return schema;
    }

    private JsonObject Property(Type owner, FieldSchema field)
    {
        var description = _docs.ForProperty(owner, field.PropertyName);
        var extensions = PatchExtensions(field.Patch);
        JsonObject schema;
        switch (field.Shape)
        {
            case FieldShape.List:
                schema = new JsonObject { ["type"] = "array", ["items"] = Element(field.ElementType) };
                break;
            case FieldShape.Map:
                schema = new JsonObject { ["type"] = "object", ["additionalProperties"] = Element(field.ElementType) };
                break;
            case FieldShape.Object:
                return WithSiblings(RefTo(field.ClrType), description, extensions);
            default:
                var scalar = Scalar(field.ClrType, owner.Name, field.JsonName);
                if (scalar.ContainsKey("$ref"))
                {
                    return WithSiblings(scalar, description, extensions);
                }

                schema = scalar;
                break;
        }

        var result = new JsonObject();
        AddDescription(result, description);
        foreach (var (key, value) in schema.ToList())
        {
            schema.Remove(key);
            result[key] = value;
        }

        foreach (var (key, value) in extensions)
        {
            result[key] = value;
        }

        return result;
    }

    /// <summary>
    /// A reference with a description or extensions next to it. OpenAPI 3.0 ignores siblings of <c>$ref</c>,
    /// so there the reference goes inside <c>allOf</c>, as Kubernetes writes it.
    /// </summary>
    private JsonObject WithSiblings(JsonObject reference, string? description, List<KeyValuePair<string, JsonNode>> extensions)
    {
        if (description is null && extensions.Count == 0)
        {
            return reference;
        }

        JsonObject result;
        if (_flavor == OpenApiFlavor.V2)
        {
            result = reference;
            AddDescription(result, description);
        }
        else
        {
            result = new JsonObject { ["allOf"] = new JsonArray(reference) };
            AddDescription(result, description);
        }

        foreach (var (key, value) in extensions)
        {
            result[key] = value;
        }

        return result;
    }

    private JsonNode Element(Type? type)
    {
        if (type is null)
        {
            return new JsonObject { ["type"] = "object" };
        }

        if (ModelSchema.IsModel(type))
        {
            // Elements of lists and maps are values, never absent: Kubernetes gives them an empty default.
            return _flavor == OpenApiFlavor.V2
                ? new JsonObject { ["$ref"] = RefPrefix + Define(type), ["default"] = new JsonObject() }
                : new JsonObject { ["allOf"] = new JsonArray(RefTo(type)), ["default"] = new JsonObject() };
        }

        if (type != typeof(string) && type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IDictionary<,>)) is { } map)
        {
            return new JsonObject { ["type"] = "object", ["additionalProperties"] = Element(map.GetGenericArguments()[1]) };
        }

        if (type != typeof(string) && type != typeof(byte[])
            && type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>)) is { } list)
        {
            return new JsonObject { ["type"] = "array", ["items"] = Element(list.GetGenericArguments()[0]) };
        }

        return Scalar(Nullable.GetUnderlyingType(type) ?? type, null, null);
    }

    private JsonObject Scalar(Type type, string? owner, string? field)
    {
        if (type == typeof(string))
        {
            return new JsonObject { ["type"] = "string" };
        }

        if (type == typeof(bool))
        {
            return new JsonObject { ["type"] = "boolean" };
        }

        if (type == typeof(int) || type == typeof(short) || type == typeof(byte))
        {
            return new JsonObject { ["type"] = "integer", ["format"] = "int32" };
        }

        if (type == typeof(long))
        {
            return new JsonObject { ["type"] = "integer", ["format"] = "int64" };
        }

        if (type == typeof(double) || type == typeof(float) || type == typeof(decimal))
        {
            return new JsonObject { ["type"] = "number", ["format"] = "double" };
        }

        if (type == typeof(byte[]))
        {
            return new JsonObject { ["type"] = "string", ["format"] = "byte" };
        }

        if (type == typeof(DateTime) || type == typeof(DateTimeOffset))
        {
            var micro = owner is not null && field is not null && MicroTimeFields.Contains((owner, field));
            var name = micro ? DefinitionNames.MicroTime : DefinitionNames.Time;
            DefineIntrinsic(name);
            return Ref(name);
        }

        if (type == typeof(ResourceQuantity) || type == typeof(IntOrString))
        {
            return RefTo(type);
        }

        if (type == typeof(object))
        {
            var name = field == "fieldsV1" ? DefinitionNames.FieldsV1 : DefinitionNames.RawExtension;
            DefineIntrinsic(name);
            return Ref(name);
        }

        return new JsonObject { ["type"] = "string" };
    }

    /// <summary>
    /// Required: what the model or <see cref="RequiredFields"/> marks so, and non-nullable value properties (the client generator makes required
    /// scalars non-nullable, such as <c>containerPort</c>).
    /// </summary>
    private static bool IsRequired(Type owner, FieldSchema field)
    {
        if (field.Required || RequiredFields.IsRequired(owner, field.JsonName))
        {
            return true;
        }

        var declared = owner.GetProperty(field.PropertyName)?.PropertyType;
        return declared is { IsValueType: true } && Nullable.GetUnderlyingType(declared) is null;
    }

    private static List<KeyValuePair<string, JsonNode>> PatchExtensions(PatchInfo? patch)
    {
        var extensions = new List<KeyValuePair<string, JsonNode>>();
        if (patch is null)
        {
            return extensions;
        }

        if (patch.ListMapKeys is { Count: > 0 } keys)
        {
            extensions.Add(new("x-kubernetes-list-map-keys", new JsonArray(keys.Select(k => (JsonNode)JsonValue.Create(k)).ToArray())));
        }

        if (patch.ListType is not null)
        {
            extensions.Add(new("x-kubernetes-list-type", patch.ListType));
        }

        if (patch.MapType is not null)
        {
            extensions.Add(new("x-kubernetes-map-type", patch.MapType));
        }

        if (patch.PatchMergeKey is not null)
        {
            extensions.Add(new("x-kubernetes-patch-merge-key", patch.PatchMergeKey));
        }

        if (patch.PatchStrategy is not null)
        {
            extensions.Add(new("x-kubernetes-patch-strategy", patch.PatchStrategy));
        }

        return extensions;
    }

    private static void AddDescription(JsonObject schema, string? description)
    {
        if (!string.IsNullOrEmpty(description))
        {
            schema["description"] = description;
        }
    }
}
