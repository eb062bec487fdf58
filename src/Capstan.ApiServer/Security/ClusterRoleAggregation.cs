using k8s.Models;

namespace Capstan.ApiServer.Security;

/// <summary>
/// ClusterRole aggregation (<c>aggregationRule.clusterRoleSelectors</c>): an aggregated role's rules are the union of
/// the rules of every other ClusterRole matching any of its selectors, selector by selector, roles by name, duplicates
/// dropped. The aggregation controller writes the result into the role's <c>rules</c>, and re-runs for every aggregated
/// role that <see cref="Selects"/> a ClusterRole whenever that role changes.
/// </summary>
public static class ClusterRoleAggregation
{
    /// <summary>The rules <paramref name="target"/> should hold; its own <c>rules</c> when it is not aggregated. Returns fresh copies.</summary>
    public static IList<V1PolicyRule> Compute(V1ClusterRole target, IEnumerable<V1ClusterRole> all)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(all);
        if (target.AggregationRule is null)
        {
            return (target.Rules ?? []).Select(Copy).ToList();
        }

        var targetName = target.Metadata?.Name ?? "";
        var candidates = all
            .Where(role => (role.Metadata?.Name ?? "") != targetName)
            .OrderBy(role => role.Metadata?.Name ?? "", StringComparer.Ordinal)
            .ToList();
        var rules = new List<V1PolicyRule>();
        foreach (var selector in target.AggregationRule.ClusterRoleSelectors ?? [])
        {
            foreach (var role in candidates)
            {
                if (!LabelSelectorMatcher.Matches(selector, role.Metadata?.Labels))
                {
                    continue;
                }

                foreach (var rule in role.Rules ?? [])
                {
                    if (rule is not null && !rules.Any(existing => SameRule(existing, rule)))
                    {
                        rules.Add(Copy(rule));
                    }
                }
            }
        }

        return rules;
    }

    /// <summary>True when <paramref name="aggregated"/> draws rules from <paramref name="candidate"/>.</summary>
    public static bool Selects(V1ClusterRole aggregated, V1ClusterRole candidate) =>
        aggregated.AggregationRule?.ClusterRoleSelectors is { } selectors
        && (aggregated.Metadata?.Name ?? "") != (candidate.Metadata?.Name ?? "")
        && selectors.Any(selector => LabelSelectorMatcher.Matches(selector, candidate.Metadata?.Labels));

    /// <summary>
    /// Aggregates every aggregated role in <paramref name="all"/> until nothing changes, so that roles aggregating other
    /// aggregated roles (admin ⊇ edit ⊇ view) come out complete in one call. Returns aggregated role name → rules.
    /// </summary>
    public static IReadOnlyDictionary<string, IList<V1PolicyRule>> ComputeAll(IEnumerable<V1ClusterRole> all)
    {
        var roles = all.ToDictionary(
            role => role.Metadata?.Name ?? "",
            role => new V1ClusterRole { Metadata = role.Metadata, AggregationRule = role.AggregationRule, Rules = role.Rules },
            StringComparer.Ordinal);
        var result = new Dictionary<string, IList<V1PolicyRule>>(StringComparer.Ordinal);
        // Each pass can only add rules drawn from a finite set, so this settles; the bound guards against surprises.
        for (var pass = 0; pass <= roles.Count; pass++)
        {
            var changed = false;
            foreach (var role in roles.Values.Where(r => r.AggregationRule is not null))
            {
                var rules = Compute(role, roles.Values);
                if (!SameRules(role.Rules, rules))
                {
                    role.Rules = rules;
                    changed = true;
                }

                result[role.Metadata?.Name ?? ""] = rules;
            }

            if (!changed)
            {
                break;
            }
        }

        return result;
    }

    internal static bool SameRule(V1PolicyRule a, V1PolicyRule b) =>
        SameList(a.Verbs, b.Verbs)
        && SameList(a.ApiGroups, b.ApiGroups)
        && SameList(a.Resources, b.Resources)
        && SameList(a.ResourceNames, b.ResourceNames)
        && SameList(a.NonResourceURLs, b.NonResourceURLs);

    private static bool SameRules(IList<V1PolicyRule>? a, IList<V1PolicyRule> b)
    {
        a ??= [];
        if (a.Count != b.Count)
        {
            return false;
        }

        for (var i = 0; i < a.Count; i++)
        {
            if (!SameRule(a[i], b[i]))
            {
                return false;
            }
        }

        return true;
    }

    // Empty and absent lists mean the same to RBAC.
    private static bool SameList(IList<string>? a, IList<string>? b) =>
        (a is null || a.Count == 0) ? (b is null || b.Count == 0) : b is not null && a.SequenceEqual(b, StringComparer.Ordinal);

    private static V1PolicyRule Copy(V1PolicyRule rule) => new()
    {
        Verbs = rule.Verbs is null ? null : [.. rule.Verbs],
        ApiGroups = rule.ApiGroups is null ? null : [.. rule.ApiGroups],
        Resources = rule.Resources is null ? null : [.. rule.Resources],
        ResourceNames = rule.ResourceNames is null ? null : [.. rule.ResourceNames],
        NonResourceURLs = rule.NonResourceURLs is null ? null : [.. rule.NonResourceURLs],
    };
}
