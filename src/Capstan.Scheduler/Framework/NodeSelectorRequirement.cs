using System.Globalization;
using System.Text.Json.Nodes;
using Capstan.Api.Validation;

namespace Capstan.Scheduler.Framework;

/// <summary>One node selector requirement: a label (or field) key, an operator (In, NotIn, Exists, DoesNotExist, Gt, Lt) and values.</summary>
public sealed record NodeSelectorRequirement(string Key, string Operator, IReadOnlyList<string> Values)
{
    public static NodeSelectorRequirement Parse(JsonObject o) => new(o.StrOrEmpty("key"), o.StrOrEmpty("operator"), o.Strings("values"));

    /// <summary>Whether <paramref name="labels"/> satisfy the requirement (a missing label fails In, Gt and Lt, and passes NotIn).</summary>
    public bool Matches(IReadOnlyDictionary<string, string> labels) =>
        MatchesValue(labels.TryGetValue(Key, out var value), value);

    /// <summary>Whether a key that is <paramref name="present"/> with <paramref name="value"/> satisfies the requirement.</summary>
    public bool MatchesValue(bool present, string? value)
    {
        switch (Operator)
        {
            case "In":
                return present && Values.Contains(value!, StringComparer.Ordinal);
            case "NotIn":
                return !present || !Values.Contains(value!, StringComparer.Ordinal);
            case "Exists":
                return present;
            case "DoesNotExist":
                return !present;
            case "Gt" or "Lt":
                if (!present || Values.Count != 1
                    || !long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var actual)
                    || !long.TryParse(Values[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var bound))
                {
                    return false;
                }

                return Operator == "Gt" ? actual > bound : actual < bound;
            default:
                return false;
        }
    }
}
