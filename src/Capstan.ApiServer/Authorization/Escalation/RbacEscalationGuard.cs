using System.Text.Json.Nodes;
using Capstan.Api.Registry;
using Capstan.ApiServer.Admission;
using Capstan.ApiServer.Http;
using Capstan.ApiServer.Objects;
using Capstan.ApiServer.Security;
using k8s;
using k8s.Models;

namespace Capstan.ApiServer.Authorization.Escalation;

/// <summary>
/// Kubernetes' RBAC escalation prevention: a Role or ClusterRole may be created or have its rules changed only by a user
/// who already holds every permission in it (in the Role's namespace; cluster-wide for a ClusterRole) or may
/// <c>escalate</c> it; a RoleBinding or ClusterRoleBinding may be created or have its roleRef changed only by a user who
/// holds the referenced role's permissions (in the binding's namespace) or may <c>bind</c> it. Only a user allowed to
/// escalate may set a ClusterRole's aggregationRule.
/// </summary>
public sealed class RbacEscalationGuard(RbacAuthorizer authorizer, IRbacSource rbac) : IWriteGuard
{
    private const string RbacGroup = "rbac.authorization.k8s.io";

    public void Check(ResourceInfo resource, JsonObject obj, JsonObject? old, WriteOptions options)
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(obj);
        ArgumentNullException.ThrowIfNull(options);
        if (resource.Group != RbacGroup || options.User is not { } user)
        {
            return;
        }

        var ns = obj["metadata"]?["namespace"]?.GetValue<string>() ?? "";
        var name = obj["metadata"]?["name"]?.GetValue<string>() ?? "";
        switch (resource.Kind)
        {
            case "Role":
                CheckRole(user, "roles", ns, name, Rules(obj), old is null ? null : Rules(old), aggregated: false, resource);
                break;
            case "ClusterRole":
                CheckRole(user, "clusterroles", "", name, Rules(obj), old is null ? null : Rules(old), obj["aggregationRule"] is not null && old?["aggregationRule"]?.ToJsonString() != obj["aggregationRule"]!.ToJsonString(), resource);
                break;
            case "RoleBinding" or "ClusterRoleBinding":
                CheckBinding(user, ns, name, obj, old, resource);
                break;
        }
    }

    private void CheckRole(UserInfo user, string plural, string ns, string name, List<V1PolicyRule> rules, List<V1PolicyRule>? oldRules, bool aggregated, ResourceInfo resource)
    {
        var rulesChanged = oldRules is null || KubernetesJson.Serialize(oldRules) != KubernetesJson.Serialize(rules);
        if ((!rulesChanged && !aggregated) || Allowed(user, "escalate", plural, ns, name))
        {
            return;
        }

        if (aggregated)
        {
            throw ApiException.Forbidden(
                $"{resource.GroupResource} \"{name}\" is forbidden: must have cluster-admin privileges to use the aggregationRule", resource.GroupResource, name);
        }

        ConfirmNoEscalation(user, ns, rules, resource, name);
    }

    private void CheckBinding(UserInfo user, string ns, string name, JsonObject obj, JsonObject? old, ResourceInfo resource)
    {
        var roleRef = obj["roleRef"] is JsonObject rr ? KubernetesJson.Deserialize<V1RoleRef>(rr.ToJsonString()) : null;
        if (roleRef is null || (old is not null && old["roleRef"]?.ToJsonString() == obj["roleRef"]?.ToJsonString()))
        {
            return;
        }

        var rolePlural = roleRef.Kind == "ClusterRole" ? "clusterroles" : "roles";
        if (Allowed(user, "bind", rolePlural, ns, roleRef.Name))
        {
            return;
        }

        IList<V1PolicyRule>? rules = roleRef.Kind switch
        {
            "ClusterRole" => rbac.GetClusterRole(roleRef.Name)?.Rules,
            "Role" when ns.Length > 0 => rbac.GetRole(ns, roleRef.Name)?.Rules,
            _ => null,
        };
        var exists = roleRef.Kind switch
        {
            "ClusterRole" => rbac.GetClusterRole(roleRef.Name) is not null,
            "Role" when ns.Length > 0 => rbac.GetRole(ns, roleRef.Name) is not null,
            _ => false,
        };
        if (!exists)
        {
            var what = roleRef.Kind == "ClusterRole" ? "clusterroles" : "roles";
            throw ApiException.Forbidden(
                $"{resource.GroupResource} \"{name}\" is forbidden: {what}.{RbacGroup} \"{roleRef.Name}\" not found", resource.GroupResource, name);
        }

        ConfirmNoEscalation(user, ns, [.. rules ?? []], resource, name);
    }

    private void ConfirmNoEscalation(UserInfo user, string ns, List<V1PolicyRule> requested, ResourceInfo resource, string name)
    {
        var owned = authorizer.EffectiveRules(user, ns, rbac, out var errors);
        var missing = RuleCoverage.Uncovered(owned, requested);
        if (missing.Count == 0)
        {
            return;
        }

        var message = $"{resource.GroupResource} \"{name}\" is forbidden: user \"{user.Name}\" (groups={GoQuoted(user.Groups)}) is attempting to grant RBAC permissions not currently held:\n"
            + string.Join("\n", missing.Select(Compact));
        if (errors.Count > 0)
        {
            message += "; resolution errors: " + string.Join(", ", errors);
        }

        throw ApiException.Forbidden(message, resource.GroupResource, name);
    }

    private bool Allowed(UserInfo user, string verb, string plural, string ns, string name) =>
        authorizer.Authorize(user, RequestAttributes.ForResource(verb, RbacGroup, plural, ns, name), rbac).Allowed;

    private static List<V1PolicyRule> Rules(JsonObject obj) =>
        obj["rules"] is JsonArray rules ? KubernetesJson.Deserialize<List<V1PolicyRule>>(rules.ToJsonString()) ?? [] : [];

    /// <summary>A rule as Kubernetes prints it in escalation errors: <c>{APIGroups:[""], Resources:["pods"], Verbs:["get"]}</c>.</summary>
    public static string Compact(V1PolicyRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var parts = new List<string>();
        void Add(string field, IList<string>? values)
        {
            if (values is { Count: > 0 })
            {
                parts.Add($"{field}:{GoQuoted(values)}");
            }
        }

        Add("APIGroups", rule.ApiGroups);
        Add("Resources", rule.Resources);
        Add("ResourceNames", rule.ResourceNames);
        Add("NonResourceURLs", rule.NonResourceURLs);
        Add("Verbs", rule.Verbs);
        return "{" + string.Join(", ", parts) + "}";
    }

    // Go's %q of a []string: ["a" "b"].
    private static string GoQuoted(IEnumerable<string> values) =>
        "[" + string.Join(" ", values.Select(v => "\"" + v.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"")) + "]";
}
