using k8s.Models;

namespace Capstan.ApiServer.Security;

/// <summary>
/// Whether one set of rules grants at least everything another does: the test Kubernetes uses to stop a user from
/// creating or updating a Role/ClusterRole (or binding one) with permissions they do not hold themselves, unless they
/// have the <c>escalate</c> (or <c>bind</c>) verb. Each requested rule is broken into single-verb, single-group,
/// single-resource, single-name pieces and each piece must be allowed by some owner rule.
/// </summary>
public static class RuleCoverage
{
    /// <summary>The pieces of <paramref name="requested"/> that <paramref name="owner"/> does not cover; empty when fully covered.</summary>
    public static IReadOnlyList<V1PolicyRule> Uncovered(IEnumerable<V1PolicyRule> owner, IEnumerable<V1PolicyRule> requested)
    {
        var ownerRules = owner.ToList();
        var missing = new List<V1PolicyRule>();
        foreach (var rule in requested)
        {
            foreach (var piece in Pieces(rule))
            {
                if (!ownerRules.Any(o => Covers(o, piece)))
                {
                    missing.Add(piece);
                }
            }
        }

        return missing;
    }

    private static IEnumerable<V1PolicyRule> Pieces(V1PolicyRule rule)
    {
        var verbs = rule.Verbs ?? [];
        if (rule.Resources is { Count: > 0 })
        {
            var names = rule.ResourceNames is { Count: > 0 } ? rule.ResourceNames : [null!];
            foreach (var group in rule.ApiGroups is { Count: > 0 } ? rule.ApiGroups : [""])
            {
                foreach (var resource in rule.Resources)
                {
                    foreach (var name in names)
                    {
                        foreach (var verb in verbs)
                        {
                            yield return new V1PolicyRule
                            {
                                Verbs = [verb],
                                ApiGroups = [group],
                                Resources = [resource],
                                ResourceNames = name is null ? null : [name],
                            };
                        }
                    }
                }
            }
        }

        foreach (var url in rule.NonResourceURLs ?? [])
        {
            foreach (var verb in verbs)
            {
                yield return new V1PolicyRule { Verbs = [verb], NonResourceURLs = [url] };
            }
        }
    }

    // piece has exactly one verb and one group/resource/name or one URL.
    private static bool Covers(V1PolicyRule owner, V1PolicyRule piece)
    {
        if (!Has(owner.Verbs, piece.Verbs![0]))
        {
            return false;
        }

        if (piece.NonResourceURLs is { Count: 1 })
        {
            var url = piece.NonResourceURLs[0];
            return (owner.NonResourceURLs ?? []).Any(o => o == "*" || o == url
                || (o.EndsWith('*') && url.StartsWith(o[..^1], StringComparison.Ordinal)));
        }

        var resource = piece.Resources![0];
        if (!Has(owner.ApiGroups, piece.ApiGroups![0]))
        {
            return false;
        }

        var resourceCovered = (owner.Resources ?? []).Any(o =>
            o == "*" || o == resource
            || (o.StartsWith("*/", StringComparison.Ordinal) && resource.EndsWith(o[1..], StringComparison.Ordinal)));
        if (!resourceCovered)
        {
            return false;
        }

        if (owner.ResourceNames is not { Count: > 0 })
        {
            return true;
        }

        return piece.ResourceNames is { Count: 1 } && owner.ResourceNames.Contains(piece.ResourceNames[0]);
    }

    private static bool Has(IList<string>? values, string value) =>
        values is not null && values.Any(v => v == "*" || v == value);
}
