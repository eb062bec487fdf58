using k8s.Models;

namespace Capstan.ApiServer.Security;

/// <summary>
/// The RBAC objects the authorizer reads, normally the API server's watch cache. Implementations return current
/// objects and must not hand out objects that are mutated afterwards; the authorizer never mutates them.
/// ClusterRoles are read as stored: for aggregated roles the aggregation controller keeps <c>rules</c> filled in
/// (see <see cref="ClusterRoleAggregation"/>).
/// </summary>
public interface IRbacSource
{
    V1Role? GetRole(string @namespace, string name);

    V1ClusterRole? GetClusterRole(string name);

    IEnumerable<V1RoleBinding> ListRoleBindings(string @namespace);

    IEnumerable<V1ClusterRoleBinding> ListClusterRoleBindings();
}
