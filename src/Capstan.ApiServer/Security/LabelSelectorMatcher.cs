using k8s.Models;

namespace Capstan.ApiServer.Security;

/// <summary>
/// Evaluates a <see cref="V1LabelSelector"/> against labels, for aggregation rules. Private to this folder on purpose:
/// Capstan.Api has no shared label selector yet; when it gains one, this should give way to it.
/// A null selector matches nothing, an empty one everything; an unknown operator matches nothing.
/// </summary>
internal static class LabelSelectorMatcher
{
    public static bool Matches(V1LabelSelector? selector, IDictionary<string, string>? labels)
    {
        if (selector is null)
        {
            return false;
        }

        labels ??= new Dictionary<string, string>();
        if (selector.MatchLabels is not null)
        {
            foreach (var (key, value) in selector.MatchLabels)
            {
                if (!labels.TryGetValue(key, out var actual) || actual != value)
                {
                    return false;
                }
            }
        }

        if (selector.MatchExpressions is not null)
        {
            foreach (var requirement in selector.MatchExpressions)
            {
                if (!Matches(requirement, labels))
                {
                    return false;
                }
            }
        }

        return true;
    }

    private static bool Matches(V1LabelSelectorRequirement requirement, IDictionary<string, string> labels)
    {
        var present = labels.TryGetValue(requirement.Key, out var value);
        var values = requirement.Values ?? [];
        return requirement.OperatorProperty switch
        {
            "In" => present && values.Contains(value!),
            "NotIn" => !present || !values.Contains(value!),
            "Exists" => present,
            "DoesNotExist" => !present,
            _ => false,
        };
    }
}
