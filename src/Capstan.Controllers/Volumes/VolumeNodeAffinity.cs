using System.Globalization;
using System.Text.Json.Nodes;
using Capstan.Api.Validation;

namespace Capstan.Controllers.Volumes;

/// <summary>Whether a node may use a PersistentVolume: its spec.nodeAffinity.required terms (ORed; expressions within a term ANDed).</summary>
internal static class VolumeNodeAffinity
{
    /// <summary>True when the volume has no required node affinity or one of its terms matches the node.</summary>
    public static bool Allows(JsonObject volume, string nodeName, IReadOnlyDictionary<string, string> nodeLabels)
    {
        if (volume["spec"]?["nodeAffinity"]?["required"] is not JsonObject required)
        {
            return true;
        }

        return required.Items("nodeSelectorTerms").Any(t => TermMatches(t.Item, nodeName, nodeLabels));
    }

    private static bool TermMatches(JsonObject term, string nodeName, IReadOnlyDictionary<string, string> labels)
    {
        var expressions = term.Items("matchExpressions").Select(e => e.Item).ToList();
        var fields = term.Items("matchFields").Select(e => e.Item).ToList();
        if (expressions.Count == 0 && fields.Count == 0)
        {
            return false;
        }

        return expressions.All(e => Matches(e, labels.TryGetValue(e.StrOrEmpty("key"), out var v), v))
            && fields.All(f => f.StrOrEmpty("key") == "metadata.name" && Matches(f, true, nodeName));
    }

    private static bool Matches(JsonObject requirement, bool has, string? value)
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
