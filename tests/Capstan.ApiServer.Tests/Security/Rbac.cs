using k8s.Models;

namespace Capstan.ApiServer.Tests.Security;

/// <summary>Terse builders for RBAC objects in tests.</summary>
internal static class Rbac
{
    public static V1PolicyRule Rule(string[] verbs, string[] groups, string[] resources, string[]? names = null) =>
        new() { Verbs = verbs, ApiGroups = groups, Resources = resources, ResourceNames = names };

    public static V1PolicyRule UrlRule(string[] verbs, params string[] urls) => new() { Verbs = verbs, NonResourceURLs = urls };

    public static V1Role Role(string ns, string name, params V1PolicyRule[] rules) =>
        new() { Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns }, Rules = rules };

    public static V1ClusterRole ClusterRole(string name, params V1PolicyRule[] rules) =>
        new() { Metadata = new V1ObjectMeta { Name = name }, Rules = rules };

    public static V1RoleBinding RoleBinding(string ns, string name, string roleKind, string roleName, params Rbacv1Subject[] subjects) =>
        new()
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
            RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = roleKind, Name = roleName },
            Subjects = subjects,
        };

    public static V1ClusterRoleBinding ClusterRoleBinding(string name, string clusterRoleName, params Rbacv1Subject[] subjects) =>
        new()
        {
            Metadata = new V1ObjectMeta { Name = name },
            RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "ClusterRole", Name = clusterRoleName },
            Subjects = subjects,
        };

    public static Rbacv1Subject User(string name) => new() { Kind = "User", ApiGroup = "rbac.authorization.k8s.io", Name = name };

    public static Rbacv1Subject Group(string name) => new() { Kind = "Group", ApiGroup = "rbac.authorization.k8s.io", Name = name };

    public static Rbacv1Subject ServiceAccount(string ns, string name) => new() { Kind = "ServiceAccount", Name = name, NamespaceProperty = ns };
}
