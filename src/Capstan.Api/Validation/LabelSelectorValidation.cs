using System.Text.Json.Nodes;

namespace Capstan.Api.Validation;

/// <summary>Validation and matching of a metav1.LabelSelector (matchLabels and matchExpressions) as a JSON object.</summary>
public static class LabelSelectorValidation
{
    private static readonly string[] Operators = ["In", "NotIn", "Exists", "DoesNotExist"];

    public static IEnumerable<FieldError> Validate(JsonObject? selector, string path)
    {
        if (selector is null)
        {
            yield break;
        }

        foreach (var e in ObjectMetaValidation.ValidateLabels(selector.Obj("matchLabels"), path + ".matchLabels"))
        {
            yield return e;
        }

        foreach (var (i, expr) in selector.Items("matchExpressions"))
        {
            var exprPath = $"{path}.matchExpressions[{i}]";
            var op = expr.StrOrEmpty("operator");
            var hasValues = expr.HasEntries("values");
            switch (op)
            {
                case "In" or "NotIn":
                    if (!hasValues)
                    {
                        yield return FieldError.Required(exprPath + ".values", "must be specified when `operator` is 'In' or 'NotIn'");
                    }

                    break;
                case "Exists" or "DoesNotExist":
                    if (hasValues)
                    {
                        yield return FieldError.Forbidden(exprPath + ".values", "may not be specified when `operator` is 'Exists' or 'DoesNotExist'");
                    }

                    break;
                default:
                    yield return FieldError.Invalid(exprPath + ".operator", op, "not a valid selector operator");
                    break;
            }

            var key = expr.StrOrEmpty("key");
            foreach (var msg in NameFormats.IsQualifiedName(key))
            {
                yield return FieldError.Invalid(exprPath + ".key", key, msg);
            }

            var values = expr.Strings("values");
            for (var v = 0; v < values.Count; v++)
            {
                foreach (var msg in NameFormats.IsValidLabelValue(values[v]))
                {
                    yield return FieldError.Invalid($"{exprPath}.values[{v}]", values[v], msg);
                }
            }
        }
    }

    /// <summary>Whether the selector selects nothing-in-particular (no labels, no expressions): it matches everything.</summary>
    public static bool IsEmpty(JsonObject? selector) =>
        selector is null || (!selector.HasEntries("matchLabels") && !selector.HasEntries("matchExpressions"));

    /// <summary>Whether a set of labels satisfies the selector. An unknown operator matches nothing.</summary>
    public static bool Matches(JsonObject selector, JsonObject? labels)
    {
        var set = labels is null
            ? []
            : labels.Where(p => JsonAccess.AsString(p.Value) is not null).ToDictionary(p => p.Key, p => JsonAccess.AsString(p.Value)!);
        foreach (var (key, value) in selector.StringMap("matchLabels"))
        {
            if (!set.TryGetValue(key, out var actual) || actual != value)
            {
                return false;
            }
        }

        foreach (var (_, expr) in selector.Items("matchExpressions"))
        {
            var key = expr.StrOrEmpty("key");
            var values = expr.Strings("values");
            var present = set.TryGetValue(key, out var actual);
            var ok = expr.StrOrEmpty("operator") switch
            {
                "In" => present && values.Contains(actual!),
                "NotIn" => !present || !values.Contains(actual!),
                "Exists" => present,
                "DoesNotExist" => !present,
                _ => false,
            };
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    public static IReadOnlyList<string> SupportedOperators => Operators;
}
