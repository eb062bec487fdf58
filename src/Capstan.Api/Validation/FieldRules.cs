using System.Text.Json.Nodes;

namespace Capstan.Api.Validation;

/// <summary>Rules on single fields that most kinds share: ranges, enums, immutability.</summary>
public static class FieldRules
{
    /// <summary>An optional integer field that must be ≥ 0 ("must be greater than or equal to 0").</summary>
    public static IEnumerable<FieldError> NonNegative(JsonObject? parent, string key, string path)
    {
        if (parent?.Long(key) is < 0 and var value)
        {
            yield return FieldError.Invalid(path, value, ObjectMetaValidation.NonNegative);
        }
    }

    /// <summary>An optional integer field that must be ≥ 1 ("must be greater than 0").</summary>
    public static IEnumerable<FieldError> Positive(JsonObject? parent, string key, string path)
    {
        if (parent?.Long(key) is <= 0 and var value)
        {
            yield return FieldError.Invalid(path, value, "must be greater than 0");
        }
    }

    /// <summary>An optional integer field within [min, max] ("must be between 1 and 2147483647, inclusive").</summary>
    public static IEnumerable<FieldError> InRange(JsonObject? parent, string key, string path, long min, long max)
    {
        if (parent?.Long(key) is { } value && (value < min || value > max))
        {
            yield return FieldError.Invalid(path, value, InclusiveRangeError(min, max));
        }
    }

    public static string InclusiveRangeError(long min, long max) => $"must be between {min} and {max}, inclusive";

    /// <summary>An enum string: Required when empty and <paramref name="required"/>, else NotSupported when not one of the values.</summary>
    public static IEnumerable<FieldError> OneOf(JsonObject? parent, string key, string path, bool required, params string[] supported)
    {
        var value = parent?.Str(key);
        if (string.IsNullOrEmpty(value))
        {
            if (required)
            {
                yield return FieldError.Required(path);
            }
        }
        else if (!supported.Contains(value))
        {
            yield return FieldError.NotSupported(path, value, supported);
        }
    }

    /// <summary>A field that may not change on update ("field is immutable"); absent equals null.</summary>
    public static IEnumerable<FieldError> Immutable(JsonObject? parent, JsonObject? oldParent, string key, string path)
    {
        var value = parent?[key];
        if (!JsonAccess.SameAs(value, oldParent?[key]))
        {
            yield return FieldError.Invalid(path, ValueForMessage(value), ObjectMetaValidation.FieldImmutable);
        }
    }

    /// <summary>The value as a message shows it: strings and numbers plainly, objects as JSON.</summary>
    public static object? ValueForMessage(JsonNode? node) => node switch
    {
        null => null,
        JsonValue v when JsonAccess.AsString(v) is { } s => s,
        JsonValue v when JsonAccess.AsLong(v) is { } l => l,
        JsonValue v when v.GetValueKind() is System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False => v.GetValue<bool>(),
        _ => node.DeepClone(),
    };
}
