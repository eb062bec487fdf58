using System.Text.Json.Nodes;
using Capstan.Api.Validation;

namespace Capstan.Scheduler.Framework;

/// <summary>
/// A node selector term: matchExpressions on labels and matchFields (only metadata.name) all hold. A term with neither
/// matches no node, as in Kubernetes.
/// </summary>
public sealed record NodeSelectorTerm(IReadOnlyList<NodeSelectorRequirement> MatchExpressions, IReadOnlyList<NodeSelectorRequirement> MatchFields)
{
    public static NodeSelectorTerm Parse(JsonObject o) => new(
        [.. o.Items("matchExpressions").Select(e => NodeSelectorRequirement.Parse(e.Item))],
        [.. o.Items("matchFields").Select(e => NodeSelectorRequirement.Parse(e.Item))]);

    public bool Matches(string nodeName, IReadOnlyDictionary<string, string> labels)
    {
        if (MatchExpressions.Count == 0 && MatchFields.Count == 0)
        {
            return false;
        }

        foreach (var requirement in MatchExpressions)
        {
            if (!requirement.Matches(labels))
            {
                return false;
            }
        }

        foreach (var requirement in MatchFields)
        {
            if (requirement.Key != "metadata.name" || !requirement.MatchesValue(true, nodeName))
            {
                return false;
            }
        }

        return true;
    }
}
