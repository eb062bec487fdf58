using System.Text.Json;
using System.Text.Json.Nodes;
using k8s.Models;

using Capstan.Api.Schema;

namespace Capstan.Api.Tests.Schema;

/// <summary>
/// Checks that every known field of a request body has the JSON type its model declares (a number where Kubernetes
/// has an int32, an object where it has a struct...), as Kubernetes' decoder does before anything else looks at the object.
/// </summary>
/// <summary>The walk as it was before paths were formatted lazily: the reference the tests hold it to.</summary>
internal static class FieldTypesReference
{
    /// <summary>The first mismatch, worded like Go's decoder ("cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32"), or null.</summary>
    public static string? FindMismatch(Type modelType, JsonObject obj) => Walk(ModelSchema.For(modelType), obj, "");

    private static string? Walk(ModelSchema schema, JsonObject obj, string path)
    {
        foreach (var (name, value) in obj)
        {
            if (value is null || !schema.Fields.TryGetValue(name, out var field))
            {
                continue;
            }

            var fieldPath = path.Length == 0 ? name : $"{path}.{name}";
            var problem = Check(schema, field, value, fieldPath);
            if (problem is not null)
            {
                return problem;
            }
        }

        return null;
    }

    private static string? Check(ModelSchema owner, FieldSchema field, JsonNode value, string path)
    {
        switch (field.Shape)
        {
            case FieldShape.Object:
                return value is JsonObject o ? Walk(field.Nested!, o, path) : Mismatch(value, owner, path, "object");
            case FieldShape.Map:
                if (value is not JsonObject map)
                {
                    return Mismatch(value, owner, path, "map");
                }

                foreach (var (_, item) in map)
                {
                    if (item is not null && field.ElementType is { } et && ScalarMismatch(et, item) is { } want)
                    {
                        return Mismatch(item, owner, path, want);
                    }
                }

                return null;
            case FieldShape.List:
                if (value is not JsonArray list)
                {
                    return Mismatch(value, owner, path, "array");
                }

                for (var i = 0; i < list.Count; i++)
                {
                    var item = list[i];
                    if (item is null || field.ElementType is not { } element)
                    {
                        continue;
                    }

                    if (ModelSchema.IsModel(element))
                    {
                        if (item is not JsonObject io)
                        {
                            return Mismatch(item, owner, path, "object");
                        }

                        if (Walk(ModelSchema.For(element), io, $"{path}[{i}]") is { } inner)
                        {
                            return inner;
                        }
                    }
                    else if (ScalarMismatch(element, item) is { } want)
                    {
                        return Mismatch(item, owner, path, want);
                    }
                }

                return null;
            default:
                return ScalarMismatch(field.ClrType, value) is { } expected ? Mismatch(value, owner, path, expected) : null;
        }
    }

    /// <summary>The Go type name expected when <paramref name="value"/> does not fit <paramref name="type"/>; null when it fits.</summary>
    private static string? ScalarMismatch(Type type, JsonNode value)
    {
        var kind = value.GetValueKind();
        if (type == typeof(string) || type == typeof(DateTime) || type == typeof(DateTimeOffset) || type == typeof(byte[]))
        {
            return kind == JsonValueKind.String ? null : "string";
        }

        if (type == typeof(bool))
        {
            return kind is JsonValueKind.True or JsonValueKind.False ? null : "bool";
        }

        if (type == typeof(int) || type == typeof(long) || type == typeof(short))
        {
            return kind == JsonValueKind.Number && value is JsonValue v && IsWhole(v)
                ? null
                : type == typeof(long) ? "int64" : "int32";
        }

        if (type == typeof(double) || type == typeof(float) || type == typeof(decimal))
        {
            return kind == JsonValueKind.Number ? null : "float64";
        }

        if (type == typeof(ResourceQuantity) || type == typeof(IntOrString))
        {
            return kind is JsonValueKind.String or JsonValueKind.Number ? null : type == typeof(ResourceQuantity) ? "resource.Quantity" : "intstr.IntOrString";
        }

        return null;
    }

    // Values built in code keep their CLR type (int, long...), parsed ones are JsonElements: accept any whole number.
    private static bool IsWhole(JsonValue v) =>
        v.TryGetValue<long>(out _) || v.TryGetValue<int>(out _) || v.TryGetValue<short>(out _)
        || (v.TryGetValue<double>(out var d) && Math.Abs(d % 1) < double.Epsilon)
        || (v.TryGetValue<JsonElement>(out var e) && e.TryGetDouble(out var ed) && Math.Abs(ed % 1) < double.Epsilon);

    private static string Mismatch(JsonNode value, ModelSchema owner, string path, string expected)
    {
        var got = value.GetValueKind() switch
        {
            JsonValueKind.String => "string",
            JsonValueKind.Number => "number",
            JsonValueKind.True or JsonValueKind.False => "bool",
            JsonValueKind.Array => "array",
            JsonValueKind.Object => "object",
            _ => "value",
        };
        var goStruct = owner.ClrType.Name.StartsWith("V1", StringComparison.Ordinal) || owner.ClrType.Name.StartsWith("V2", StringComparison.Ordinal)
            ? owner.ClrType.Name[2..]
            : owner.ClrType.Name;
        return $"json: cannot unmarshal {got} into Go struct field {goStruct}.{path} of type {expected}";
    }
}
