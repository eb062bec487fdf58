using Capstan.Api.Registry;
using Capstan.ApiServer.Caching;
using Capstan.ApiServer.Security;
using k8s;
using k8s.Models;

namespace Capstan.ApiServer.Authorization;

/// <summary>
/// RBAC objects for the authorizer, read from the watch cache and kept as typed snapshots that are rebuilt only when
/// a role or binding changed. Aggregated ClusterRoles are evaluated with their aggregated rules.
/// </summary>
public sealed class CacheRbacSource : IRbacSource
{
    private readonly ResourceCache _roles;
    private readonly ResourceCache _clusterRoles;
    private readonly ResourceCache _roleBindings;
    private readonly ResourceCache _clusterRoleBindings;
    private readonly Lock _lock = new();
    private Snapshot _snapshot = new(-1, new(), new(), new(), []);

    public CacheRbacSource(WatchCache cache)
    {
        var registry = cache.Registry;
        const string rbac = "rbac.authorization.k8s.io";
        _roles = cache.For(registry.FindKind(rbac, "Role")!);
        _clusterRoles = cache.For(registry.FindKind(rbac, "ClusterRole")!);
        _roleBindings = cache.For(registry.FindKind(rbac, "RoleBinding")!);
        _clusterRoleBindings = cache.For(registry.FindKind(rbac, "ClusterRoleBinding")!);
    }

    public V1Role? GetRole(string @namespace, string name) => Current().Roles.GetValueOrDefault((@namespace, name));

    public V1ClusterRole? GetClusterRole(string name) => Current().ClusterRoles.GetValueOrDefault(name);

    public IEnumerable<V1RoleBinding> ListRoleBindings(string @namespace) =>
        Current().RoleBindings.TryGetValue(@namespace, out var list) ? list : [];

    public IEnumerable<V1ClusterRoleBinding> ListClusterRoleBindings() => Current().ClusterRoleBindings;

    private Snapshot Current()
    {
        var version = _roles.Version + _clusterRoles.Version + _roleBindings.Version + _clusterRoleBindings.Version;
        var snapshot = _snapshot;
        if (snapshot.Version == version)
        {
            return snapshot;
        }

        lock (_lock)
        {
            if (_snapshot.Version == version)
            {
                return _snapshot;
            }

            var roles = Read<V1Role>(_roles).ToDictionary(r => (r.Metadata.NamespaceProperty ?? "", r.Metadata.Name));
            var clusterRoles = Read<V1ClusterRole>(_clusterRoles).ToList();
            var aggregated = ClusterRoleAggregation.ComputeAll(clusterRoles);
            foreach (var role in clusterRoles)
            {
                if (aggregated.TryGetValue(role.Metadata.Name, out var rules))
                {
                    role.Rules = rules;
                }
            }

            var roleBindings = Read<V1RoleBinding>(_roleBindings)
                .GroupBy(b => b.Metadata.NamespaceProperty ?? "")
                .ToDictionary(g => g.Key, g => g.ToList());
            _snapshot = new Snapshot(version, roles, clusterRoles.ToDictionary(r => r.Metadata.Name), roleBindings, Read<V1ClusterRoleBinding>(_clusterRoleBindings).ToList());
            return _snapshot;
        }
    }

    private static IEnumerable<T> Read<T>(ResourceCache cache) =>
        cache.List("").Select(o => KubernetesJson.Deserialize<T>(System.Text.Encoding.UTF8.GetString(o.Json)));

    private sealed record Snapshot(
        long Version,
        Dictionary<(string, string), V1Role> Roles,
        Dictionary<string, V1ClusterRole> ClusterRoles,
        Dictionary<string, List<V1RoleBinding>> RoleBindings,
        List<V1ClusterRoleBinding> ClusterRoleBindings);
}
