using System.Globalization;
using System.Text.Json.Nodes;
using Capstan.Api.Validation;

namespace Capstan.Controllers.Nodes;

/// <summary>
/// One core/v1 NodeSelectorTerm against a node: its matchExpressions (on labels) and matchFields (metadata.name only)
/// are ANDed; an empty term matches nothing. Used by required node affinity and PersistentVolume node affinity.
/// </summary>
internal static class NodeSelectorTerm
{
    public static bool Matches(JsonObject term, string nodeName, IReadOnlyDictionary<string, string> labels)
    {
        var expressions = term.Items("matchExpressions").Select(e => e.Item).ToList();
        var fields = term.Items("matchFields").Select(e => e.Item).ToList();
        if (expressions.Count == 0 && fields.Count == 0)
        {
            return false;
        }

        return expressions.All(e => RequirementMatches(e, labels.TryGetValue(e.StrOrEmpty("key"), out var v), v))
            && fields.All(f => f.StrOrEmpty("key") == "metadata.name" && RequirementMatches(f, true, nodeName));
    }

    private static bool RequirementMatches(JsonObject requirement, bool has, string? value)
    {
        var values = requirement.Strings("values");
        return requirement.StrOrEmpty("operator") switch
        {
            "In" => has && value is not null && values.Contains(value),
            "NotIn" => !has || value is null || !values.Contains(value),
            "Exists" => has,
            "DoesNotExist" => !has,
            "Gt" => has && values.Count == 1 && Compare(value, values[0]) > 0,
            "Lt" => has && values.Count == 1 && Compare(value, values[0]) < 0,
            _ => false,
        };
    }

    private static int Compare(string? value, string bound) =>
        long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && long.TryParse(bound, NumberStyles.Integer, CultureInfo.InvariantCulture, out var b)
            ? v.CompareTo(b)
            : 0;
}
