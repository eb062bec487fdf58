using System.Globalization;
using System.Text.Json.Nodes;

namespace Capstan.Api.Validation;

/// <summary>Kubernetes' IntOrString used as a count or a percentage (maxSurge, maxUnavailable, minAvailable).</summary>
public static class IntOrPercent
{
    /// <summary>Whether a string is "&lt;digits&gt;%".</summary>
    public static bool IsPercent(string value) =>
        value.Length > 1 && value[^1] == '%' && value[..^1].All(char.IsAsciiDigit) && value[0] != '-';

    /// <summary>The number: the integer itself, or the percentage without its sign; null if neither.</summary>
    public static long? NumberOf(JsonNode? node)
    {
        if (JsonAccess.AsLong(node) is { } l)
        {
            return l;
        }

        var s = JsonAccess.AsString(node);
        return s is not null && IsPercent(s) && long.TryParse(s[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : null;
    }

    /// <summary>Kubernetes' ValidatePositiveIntOrPercent: a non-negative integer or a percentage.</summary>
    public static IEnumerable<FieldError> ValidateNonNegative(JsonNode? node, string path)
    {
        if (node is null)
        {
            yield break;
        }

        if (JsonAccess.AsString(node) is { } s)
        {
            if (!IsPercent(s))
            {
                yield return FieldError.Invalid(path, s, "must be an integer or percentage (e.g '5%')");
            }
        }
        else if (JsonAccess.AsLong(node) is { } l)
        {
            if (l < 0)
            {
                yield return FieldError.Invalid(path, l, ObjectMetaValidation.NonNegative);
            }
        }
        else
        {
            yield return new FieldError(FieldErrorType.TypeInvalid, path, node, "must be an integer or percentage (e.g '5%')");
        }
    }

    /// <summary>Kubernetes' IsNotMoreThan100Percent.</summary>
    public static IEnumerable<FieldError> ValidateAtMost100Percent(JsonNode? node, string path)
    {
        if (JsonAccess.AsString(node) is { } s && IsPercent(s) && NumberOf(node) > 100)
        {
            yield return FieldError.Invalid(path, s, "must not be greater than 100%");
        }
    }
}
