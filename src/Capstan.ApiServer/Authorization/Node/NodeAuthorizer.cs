using Capstan.ApiServer.Security;

namespace Capstan.ApiServer.Authorization.Node;

/// <summary>
/// Kubernetes' Node authorizer idea, ahead of RBAC for node identities (user <c>system:node:&lt;name&gt;</c> in group
/// <c>system:nodes</c>): a node may get only the Secrets, ConfigMaps, PersistentVolumeClaims (and the PersistentVolumes
/// bound to them) and ServiceAccount tokens of pods bound to it; it may modify or delete only its own Node and change
/// the status of, or delete, only its own pods. Returns null (no opinion) for anything else, which RBAC then decides.
/// </summary>
public sealed class NodeAuthorizer(NodeGraph graph)
{
    private static readonly string[] s_modifyVerbs = ["update", "patch", "delete", "deletecollection"];

    public AuthorizationDecision? Authorize(UserInfo user, RequestAttributes attributes)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(attributes);
        if (!attributes.IsResourceRequest || !TryNodeName(user, out var node) || attributes.ApiGroup.Length != 0)
        {
            return null;
        }

        return (attributes.Resource, attributes.Subresource) switch
        {
            ("secrets", "") => GetOnly(node, ReferenceKind.Secret, attributes),
            ("configmaps", "") => GetOnly(node, ReferenceKind.ConfigMap, attributes),
            // Claims and volumes: the node's own pods' are granted here; anything else (the built-in local-path
            // provisioner in every agent lists, watches and creates them) is left to RBAC, as Kubernetes' authorizer does.
            ("persistentvolumeclaims", "") => IsSingleRead(attributes) && graph.Reaches(node, ReferenceKind.PersistentVolumeClaim, attributes.Namespace, attributes.Name) ? Granted() : null,
            ("persistentvolumeclaims", "status") => Related(graph.Reaches(node, ReferenceKind.PersistentVolumeClaim, attributes.Namespace, attributes.Name), node),
            ("persistentvolumes", "") => IsSingleRead(attributes) && graph.ReachesVolume(node, attributes.Name) ? Granted() : null,
            ("serviceaccounts", "token") => attributes.Verb != "create"
                ? AuthorizationDecision.Deny("can only create tokens for individual service accounts")
                : Decide(graph.Reaches(node, ReferenceKind.ServiceAccount, attributes.Namespace, attributes.Name), node),
            // A pod that is already gone is no other node's: the request goes on to answer 404, which agents expect
            // when their final delete races the object's removal.
            ("pods", "status") when s_modifyVerbs.Contains(attributes.Verb) => Related(OwnOrGone(node, attributes), node),
            ("pods", "") when attributes.Verb is "delete" or "deletecollection" =>
                Related(attributes.Name.Length > 0 && OwnOrGone(node, attributes), node),
            ("nodes", "" or "status") when s_modifyVerbs.Contains(attributes.Verb) =>
                attributes.Name == node ? null : AuthorizationDecision.Deny($"node '{node}' cannot modify node '{attributes.Name}'"),
            _ => null,
        };
    }

    /// <summary>The node name of a node identity.</summary>
    public static bool TryNodeName(UserInfo user, out string node)
    {
        ArgumentNullException.ThrowIfNull(user);
        node = "";
        if (!user.Name.StartsWith(SystemUsers.NodePrefix, StringComparison.Ordinal) || !user.IsInGroup(SystemGroups.Nodes))
        {
            return false;
        }

        node = user.Name[SystemUsers.NodePrefix.Length..];
        return node.Length > 0;
    }

    // A get, or a list/watch narrowed to one object by its name (how agents follow a mounted ConfigMap or Secret).
    private AuthorizationDecision GetOnly(string node, ReferenceKind kind, RequestAttributes attributes) =>
        !IsSingleRead(attributes)
            ? GetOnlyDenied()
            : Decide(graph.Reaches(node, kind, attributes.Namespace, attributes.Name), node);

    private bool OwnOrGone(string node, RequestAttributes attributes) =>
        graph.IsBound(node, attributes.Namespace, attributes.Name) || !graph.PodExists(attributes.Namespace, attributes.Name);

    private static bool IsSingleRead(RequestAttributes attributes) =>
        attributes.Name.Length > 0 && attributes.Verb is "get" or "list" or "watch";

    private static AuthorizationDecision Granted() => AuthorizationDecision.Allow("allowed by the node authorizer");

    private static AuthorizationDecision GetOnlyDenied() =>
        AuthorizationDecision.Deny("can only get individual resources of this type");

    private static AuthorizationDecision Decide(bool related, string node) =>
        related ? Granted() : NoRelationship(node);

    // Related: leave the verb to RBAC; unrelated: refuse whatever RBAC says.
    private static AuthorizationDecision? Related(bool related, string node) => related ? null : NoRelationship(node);

    private static AuthorizationDecision NoRelationship(string node) =>
        AuthorizationDecision.Deny($"no relationship found between node '{node}' and this object");
}
