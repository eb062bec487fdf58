using k8s.Models;

namespace Capstan.ApiServer.Security;

/// <summary>An immutable <see cref="IRbacSource"/> over fixed collections (tests, and the bootstrap policy before any cache exists).</summary>
public sealed class InMemoryRbacSource : IRbacSource
{
    private readonly Dictionary<(string Namespace, string Name), V1Role> _roles = [];
    private readonly Dictionary<string, V1ClusterRole> _clusterRoles = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<V1RoleBinding>> _roleBindings = new(StringComparer.Ordinal);
    private readonly List<V1ClusterRoleBinding> _clusterRoleBindings = [];

    public InMemoryRbacSource(
        IEnumerable<V1Role>? roles = null,
        IEnumerable<V1ClusterRole>? clusterRoles = null,
        IEnumerable<V1RoleBinding>? roleBindings = null,
        IEnumerable<V1ClusterRoleBinding>? clusterRoleBindings = null)
    {
        foreach (var role in roles ?? [])
        {
            _roles[(role.Metadata?.NamespaceProperty ?? "", role.Metadata?.Name ?? "")] = role;
        }

        foreach (var clusterRole in clusterRoles ?? [])
        {
            _clusterRoles[clusterRole.Metadata?.Name ?? ""] = clusterRole;
        }

        foreach (var binding in roleBindings ?? [])
        {
            var ns = binding.Metadata?.NamespaceProperty ?? "";
            if (!_roleBindings.TryGetValue(ns, out var list))
            {
                _roleBindings[ns] = list = [];
            }

            list.Add(binding);
        }

        _clusterRoleBindings.AddRange(clusterRoleBindings ?? []);
    }

    public V1Role? GetRole(string @namespace, string name) => _roles.GetValueOrDefault((@namespace, name));

    public V1ClusterRole? GetClusterRole(string name) => _clusterRoles.GetValueOrDefault(name);

    public IEnumerable<V1RoleBinding> ListRoleBindings(string @namespace) =>
        _roleBindings.TryGetValue(@namespace, out var list) ? list : [];

    public IEnumerable<V1ClusterRoleBinding> ListClusterRoleBindings() => _clusterRoleBindings;
}
