using k8s;
using k8s.Models;

namespace Capstan.ApiServer.Security;

/// <summary>
/// What to write at start so that the stored bootstrap policy holds at least <see cref="BootstrapPolicy"/>'s grants,
/// the way kube-apiserver reconciles it: missing objects are created; objects annotated
/// <c>rbac.authorization.kubernetes.io/autoupdate: "false"</c> are left alone; otherwise missing labels and annotations,
/// rules, aggregation selectors and subjects are added, while anything extra an administrator added is kept.
/// A binding whose roleRef changed must be deleted and created again (roleRef is immutable).
/// The inputs are never mutated; results are copies.
/// </summary>
public static class BootstrapReconciliation
{
    /// <summary>The ClusterRole to create or update, or null when <paramref name="existing"/> already suffices.</summary>
    public static V1ClusterRole? Reconcile(V1ClusterRole? existing, V1ClusterRole desired)
    {
        ArgumentNullException.ThrowIfNull(desired);
        if (existing is null)
        {
            return Copy(desired);
        }

        if (AutoupdateDisabled(existing.Metadata))
        {
            return null;
        }

        var result = Copy(existing);
        result.Metadata ??= new V1ObjectMeta { Name = desired.Metadata?.Name };
        var changed = MergeMetadata(result.Metadata, desired.Metadata);

        if (desired.AggregationRule?.ClusterRoleSelectors is { Count: > 0 } selectors)
        {
            result.AggregationRule ??= new V1AggregationRule();
            result.AggregationRule.ClusterRoleSelectors ??= [];
            foreach (var selector in selectors)
            {
                var json = KubernetesJson.Serialize(selector);
                if (!result.AggregationRule.ClusterRoleSelectors.Any(s => KubernetesJson.Serialize(s) == json))
                {
                    result.AggregationRule.ClusterRoleSelectors.Add(Copy(selector));
                    changed = true;
                }
            }
        }

        // Aggregated roles' rules belong to the aggregation controller; only plain roles get missing rules added.
        if (desired.AggregationRule is null)
        {
            var missing = RuleCoverage.Uncovered(result.Rules ?? [], desired.Rules ?? []);
            if (missing.Count > 0)
            {
                result.Rules ??= [];
                foreach (var rule in missing)
                {
                    result.Rules.Add(rule);
                }

                changed = true;
            }
        }

        return changed ? result : null;
    }

    /// <summary>
    /// The ClusterRoleBinding to write, or null when <paramref name="existing"/> already suffices. When
    /// <paramref name="recreate"/> is true the existing binding points at another role: delete it, then create the result.
    /// </summary>
    public static V1ClusterRoleBinding? Reconcile(V1ClusterRoleBinding? existing, V1ClusterRoleBinding desired, out bool recreate)
    {
        ArgumentNullException.ThrowIfNull(desired);
        recreate = false;
        if (existing is null)
        {
            return Copy(desired);
        }

        if (AutoupdateDisabled(existing.Metadata))
        {
            return null;
        }

        var result = Copy(existing);
        result.Metadata ??= new V1ObjectMeta { Name = desired.Metadata?.Name };
        var changed = MergeMetadata(result.Metadata, desired.Metadata);
        if (result.RoleRef is null || result.RoleRef.Kind != desired.RoleRef.Kind || result.RoleRef.Name != desired.RoleRef.Name
            || result.RoleRef.ApiGroup != desired.RoleRef.ApiGroup)
        {
            result.RoleRef = Copy(desired.RoleRef);
            result.Metadata.ResourceVersion = null;
            result.Metadata.Uid = null;
            recreate = true;
            changed = true;
        }

        result.Subjects ??= [];
        foreach (var subject in desired.Subjects ?? [])
        {
            if (!result.Subjects.Any(s => s.Kind == subject.Kind && s.Name == subject.Name && (s.NamespaceProperty ?? "") == (subject.NamespaceProperty ?? "")))
            {
                result.Subjects.Add(Copy(subject));
                changed = true;
            }
        }

        return changed ? result : null;
    }

    private static bool AutoupdateDisabled(V1ObjectMeta? metadata) =>
        metadata?.Annotations is { } annotations
        && annotations.TryGetValue(BootstrapPolicy.AutoupdateAnnotation, out var value)
        && string.Equals(value, "false", StringComparison.OrdinalIgnoreCase);

    // Existing values win; desired keys that are missing are added.
    private static bool MergeMetadata(V1ObjectMeta target, V1ObjectMeta? desired)
    {
        var changed = false;
        if (desired is null)
        {
            return false;
        }

        foreach (var (key, value) in desired.Labels ?? new Dictionary<string, string>())
        {
            target.Labels ??= new Dictionary<string, string>();
            changed |= target.Labels.TryAdd(key, value);
        }

        foreach (var (key, value) in desired.Annotations ?? new Dictionary<string, string>())
        {
            target.Annotations ??= new Dictionary<string, string>();
            changed |= target.Annotations.TryAdd(key, value);
        }

        return changed;
    }

    private static T Copy<T>(T value) => KubernetesJson.Deserialize<T>(KubernetesJson.Serialize(value));
}
