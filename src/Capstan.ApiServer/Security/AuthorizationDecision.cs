namespace Capstan.ApiServer.Security;

/// <summary>
/// Allow or deny, with the reason Kubernetes would log or show: for an allow which binding granted it
/// (<c>RBAC: allowed by ClusterRoleBinding "x" of ClusterRole "y" to User "z"</c>); for a deny usually empty,
/// or the errors met while resolving bindings (a role a binding names that does not exist).
/// </summary>
public sealed record AuthorizationDecision(bool Allowed, string Reason)
{
    public static AuthorizationDecision Allow(string reason) => new(true, reason);

    public static AuthorizationDecision Deny(string reason) => new(false, reason);
}
