using k8s.Models;

namespace Capstan.ApiServer.Security;

/// <summary>
/// Kubernetes RBAC, as pure logic over an <see cref="IRbacSource"/>:
/// <list type="bullet">
/// <item>members of <c>system:masters</c> may do anything (Kubernetes' privileged-group authorizer, ahead of RBAC);</item>
/// <item>a ClusterRoleBinding grants its ClusterRole's rules everywhere: cluster-scoped, every namespace, non-resource URLs;</item>
/// <item>a RoleBinding grants its Role's (same namespace) or ClusterRole's rules in its own namespace only;</item>
/// <item>subjects are Users (by name), Groups, and ServiceAccounts (user <c>system:serviceaccount:&lt;ns&gt;:&lt;name&gt;</c>;
/// an empty subject namespace means the binding's namespace).</item>
/// </list>
/// Nothing denies explicitly: a request is allowed when any rule of any binding applying to the user allows it.
/// </summary>
public sealed class RbacAuthorizer
{
    private const string ClusterRoleKind = "ClusterRole";
    private const string RoleKind = "Role";

    public AuthorizationDecision Authorize(UserInfo user, RequestAttributes attributes, IRbacSource source)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(attributes);
        ArgumentNullException.ThrowIfNull(source);

        if (user.IsInGroup(SystemGroups.Masters))
        {
            return AuthorizationDecision.Allow("allowed by membership of group \"" + SystemGroups.Masters + "\"");
        }

        string? reason = null;
        var errors = VisitRules(user, attributes.Namespace, source, (binding, rule) =>
        {
            if (!PolicyRuleMatching.Allows(rule, attributes))
            {
                return true;
            }

            reason = binding.Describe();
            return false;
        });

        if (reason is not null)
        {
            return AuthorizationDecision.Allow(reason);
        }

        return AuthorizationDecision.Deny(errors.Count == 0 ? "" : "RBAC: " + string.Join(", ", errors));
    }

    /// <summary>
    /// Everything <paramref name="user"/> may do in <paramref name="namespace"/> (plus cluster-wide grants), in the form
    /// SelfSubjectRulesReview answers. <c>Incomplete</c> is set when a binding names a role that does not exist.
    /// </summary>
    public V1SubjectRulesReviewStatus RulesFor(UserInfo user, string @namespace, IRbacSource source)
    {
        var rules = EffectiveRules(user, @namespace, source, out var errors);
        var status = new V1SubjectRulesReviewStatus
        {
            ResourceRules = [],
            NonResourceRules = [],
            Incomplete = errors.Count > 0,
            EvaluationError = errors.Count > 0 ? string.Join(", ", errors) : null,
        };
        // The same rule granted twice (system:masters' implicit rules and cluster-admin's binding to that group) is listed once.
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var rule in rules)
        {
            if (!seen.Add(k8s.KubernetesJson.Serialize(rule)))
            {
                continue;
            }

            if (rule.Resources is { Count: > 0 })
            {
                status.ResourceRules.Add(new V1ResourceRule
                {
                    Verbs = [.. rule.Verbs ?? []],
                    ApiGroups = [.. rule.ApiGroups ?? []],
                    Resources = [.. rule.Resources],
                    ResourceNames = rule.ResourceNames is { Count: > 0 } ? [.. rule.ResourceNames] : null,
                });
            }

            if (rule.NonResourceURLs is { Count: > 0 })
            {
                status.NonResourceRules.Add(new V1NonResourceRule
                {
                    Verbs = [.. rule.Verbs ?? []],
                    NonResourceURLs = [.. rule.NonResourceURLs],
                });
            }
        }

        return status;
    }

    /// <summary>
    /// The rules granted to <paramref name="user"/> in <paramref name="namespace"/> (empty: cluster-wide only), in binding order.
    /// <c>system:masters</c> gets the all-powerful rules. Also the basis of escalation checks (see <see cref="RuleCoverage"/>).
    /// </summary>
    public IReadOnlyList<V1PolicyRule> EffectiveRules(UserInfo user, string @namespace, IRbacSource source, out IReadOnlyList<string> errors)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(source);
        var rules = new List<V1PolicyRule>();
        if (user.IsInGroup(SystemGroups.Masters))
        {
            rules.Add(new V1PolicyRule { ApiGroups = ["*"], Resources = ["*"], Verbs = ["*"] });
            rules.Add(new V1PolicyRule { NonResourceURLs = ["*"], Verbs = ["*"] });
        }

        errors = VisitRules(user, @namespace ?? "", source, (_, rule) =>
        {
            rules.Add(rule);
            return true;
        });
        return rules;
    }

    /// <summary>
    /// Calls <paramref name="visit"/> for each rule granted to <paramref name="user"/> that applies in <paramref name="namespace"/>
    /// until it returns false; returns the errors met resolving role references.
    /// </summary>
    private static List<string> VisitRules(UserInfo user, string @namespace, IRbacSource source, Func<GrantingBinding, V1PolicyRule, bool> visit)
    {
        var errors = new List<string>();
        foreach (var binding in source.ListClusterRoleBindings())
        {
            var subject = AppliesTo(user, binding.Subjects, bindingNamespace: "");
            if (subject is null)
            {
                continue;
            }

            var rules = ResolveRoleRef(binding.RoleRef, bindingNamespace: "", source, errors);
            var granting = new GrantingBinding("ClusterRoleBinding", binding.Metadata?.Name ?? "", binding.RoleRef, subject, "");
            if (!VisitAll(rules, granting, visit))
            {
                return errors;
            }
        }

        if (@namespace.Length == 0)
        {
            return errors;
        }

        foreach (var binding in source.ListRoleBindings(@namespace))
        {
            var subject = AppliesTo(user, binding.Subjects, @namespace);
            if (subject is null)
            {
                continue;
            }

            var rules = ResolveRoleRef(binding.RoleRef, @namespace, source, errors);
            var granting = new GrantingBinding("RoleBinding", (binding.Metadata?.Name ?? "") + "/" + @namespace, binding.RoleRef, subject, @namespace);
            if (!VisitAll(rules, granting, visit))
            {
                return errors;
            }
        }

        return errors;
    }

    private static bool VisitAll(IList<V1PolicyRule>? rules, GrantingBinding binding, Func<GrantingBinding, V1PolicyRule, bool> visit)
    {
        if (rules is null)
        {
            return true;
        }

        foreach (var rule in rules)
        {
            if (rule is not null && !visit(binding, rule))
            {
                return false;
            }
        }

        return true;
    }

    private static IList<V1PolicyRule>? ResolveRoleRef(V1RoleRef? roleRef, string bindingNamespace, IRbacSource source, List<string> errors)
    {
        if (roleRef is null)
        {
            return null;
        }

        switch (roleRef.Kind)
        {
            case ClusterRoleKind:
                var clusterRole = source.GetClusterRole(roleRef.Name);
                if (clusterRole is null)
                {
                    errors.Add($"clusterrole.rbac.authorization.k8s.io \"{roleRef.Name}\" not found");
                }

                return clusterRole?.Rules;
            case RoleKind when bindingNamespace.Length > 0:
                var role = source.GetRole(bindingNamespace, roleRef.Name);
                if (role is null)
                {
                    errors.Add($"role.rbac.authorization.k8s.io \"{roleRef.Name}\" not found");
                }

                return role?.Rules;
            default:
                errors.Add($"unsupported role reference kind: \"{roleRef.Kind}\"");
                return null;
        }
    }

    /// <summary>The first subject of a binding that names <paramref name="user"/>, or null.</summary>
    private static Rbacv1Subject? AppliesTo(UserInfo user, IList<Rbacv1Subject>? subjects, string bindingNamespace)
    {
        if (subjects is null)
        {
            return null;
        }

        foreach (var subject in subjects)
        {
            if (subject is not null && SubjectMatches(user, subject, bindingNamespace))
            {
                return subject;
            }
        }

        return null;
    }

    private static bool SubjectMatches(UserInfo user, Rbacv1Subject subject, string bindingNamespace)
    {
        switch (subject.Kind)
        {
            case "User":
                return user.Name == subject.Name;
            case "Group":
                return user.IsInGroup(subject.Name);
            case "ServiceAccount":
                var saNamespace = string.IsNullOrEmpty(subject.NamespaceProperty) ? bindingNamespace : subject.NamespaceProperty;
                return saNamespace.Length > 0 && ServiceAccountUser.Matches(saNamespace, subject.Name ?? "", user.Name);
            default:
                return false;
        }
    }

    private sealed record GrantingBinding(string Kind, string Name, V1RoleRef RoleRef, Rbacv1Subject Subject, string BindingNamespace)
    {
        public string Describe() => $"RBAC: allowed by {Kind} \"{Name}\" of {RoleRef.Kind} \"{RoleRef.Name}\" to {DescribeSubject()}";

        private string DescribeSubject() =>
            Subject.Kind == "ServiceAccount"
                ? $"ServiceAccount \"{Subject.Name}/{(string.IsNullOrEmpty(Subject.NamespaceProperty) ? BindingNamespace : Subject.NamespaceProperty)}\""
                : $"{Subject.Kind} \"{Subject.Name}\"";
    }
}
