using System.Text;
using System.Text.Json.Nodes;
using Capstan.Api.Validation;

namespace Capstan.Api.Kinds.Core;

/// <summary>The key rules, size limit and <c>immutable</c> flag that ConfigMaps and Secrets share.</summary>
public static class DataMapValidation
{
    public const int MaxSize = 1024 * 1024;
    public const string ImmutableWhenSet = "field is immutable when `immutable` is set";

    public static void ValidateKeys(JsonObject? map, string path, List<FieldError> errs)
    {
        if (map is null)
        {
            return;
        }

        foreach (var (key, _) in map)
        {
            errs.AddRange(NameFormats.IsConfigMapKey(key).Select(m => FieldError.Invalid($"{path}[{key}]", key, m)));
        }
    }

    public static long Utf8Size(JsonObject? map) =>
        map?.Sum(p => (long)Encoding.UTF8.GetByteCount(JsonAccess.AsString(p.Value) ?? "")) ?? 0;

    /// <summary>Decoded bytes of base64 values; an undecodable value is reported.</summary>
    public static long Base64Size(JsonObject? map, string path, List<FieldError> errs)
    {
        long total = 0;
        if (map is null)
        {
            return total;
        }

        foreach (var (key, node) in map)
        {
            var text = JsonAccess.AsString(node) ?? "";
            var buffer = new byte[text.Length];
            if (!Convert.TryFromBase64String(text, buffer, out var written))
            {
                errs.Add(FieldError.Invalid($"{path}[{key}]", "<value omitted>", "illegal base64 data"));
                continue;
            }

            total += written;
        }

        return total;
    }

    /// <summary>Once <c>immutable</c> is true, neither it nor the data may change.</summary>
    public static void ValidateImmutable(JsonObject obj, JsonObject old, List<FieldError> errs)
    {
        if (old.Bool("immutable") != true)
        {
            return;
        }

        if (obj.Bool("immutable") != true)
        {
            errs.Add(FieldError.Forbidden("immutable", ImmutableWhenSet));
        }

        foreach (var field in new[] { "data", "binaryData" })
        {
            if (!JsonAccess.SameAs(EmptyAsNull(obj[field]), EmptyAsNull(old[field])))
            {
                errs.Add(FieldError.Forbidden(field, ImmutableWhenSet));
            }
        }
    }

    private static JsonNode? EmptyAsNull(JsonNode? node) => node is JsonObject { Count: 0 } ? null : node;
}
