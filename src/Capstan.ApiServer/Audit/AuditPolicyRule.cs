namespace Capstan.ApiServer.Audit;

/// <summary>One rule of an audit.k8s.io/v1 Policy; empty lists match everything.</summary>
public sealed record AuditPolicyRule(
    AuditLevel Level,
    IReadOnlyList<string> Users,
    IReadOnlyList<string> UserGroups,
    IReadOnlyList<string> Verbs,
    IReadOnlyList<AuditGroupResources> Resources,
    IReadOnlyList<string> Namespaces,
    IReadOnlyList<string> NonResourceUrls)
{
    /// <summary>
    /// Kubernetes' policy matching: every list that is set must match. Rules naming resources or namespaces match only
    /// resource requests, rules naming nonResourceURLs only non-resource requests; the namespace "" matches
    /// cluster-scoped resources.
    /// </summary>
    public bool Matches(AuditEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (Users.Count > 0 && !Users.Contains(e.UserName))
        {
            return false;
        }

        if (UserGroups.Count > 0 && !e.UserGroups.Any(UserGroups.Contains))
        {
            return false;
        }

        if (Verbs.Count > 0 && !Verbs.Contains(e.Verb))
        {
            return false;
        }

        if (e.IsResourceRequest)
        {
            if (NonResourceUrls.Count > 0 && Resources.Count == 0 && Namespaces.Count == 0)
            {
                return false;
            }

            return (Namespaces.Count == 0 || Namespaces.Contains(e.Namespace))
                && (Resources.Count == 0 || Resources.Any(r => r.Matches(e)));
        }

        if (Resources.Count > 0 || Namespaces.Count > 0)
        {
            return false;
        }

        var path = PathOf(e.RequestUri);
        return NonResourceUrls.Count == 0 || NonResourceUrls.Any(u => u.EndsWith('*') ? path.StartsWith(u[..^1], StringComparison.Ordinal) : path == u);
    }

    private static string PathOf(string requestUri)
    {
        var query = requestUri.IndexOf('?', StringComparison.Ordinal);
        return query < 0 ? requestUri : requestUri[..query];
    }
}

/// <summary>
/// A rule's <c>resources</c> entry: an API group ("" for core) and its resources — <c>pods</c> (not its subresources),
/// <c>pods/log</c>, <c>pods/*</c>, <c>*/scale</c> or <c>*</c>; none means every resource of the group — optionally
/// limited to some object names.
/// </summary>
public sealed record AuditGroupResources(string Group, IReadOnlyList<string> Resources, IReadOnlyList<string> ResourceNames)
{
    public bool Matches(AuditEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (e.ApiGroup != Group)
        {
            return false;
        }

        if (ResourceNames.Count > 0 && !ResourceNames.Contains(e.Name))
        {
            return false;
        }

        if (Resources.Count == 0)
        {
            return true;
        }

        var combined = e.Subresource.Length == 0 ? e.Resource : e.Resource + "/" + e.Subresource;
        foreach (var resource in Resources)
        {
            if (resource == "*" || resource == combined
                || (resource.EndsWith("/*", StringComparison.Ordinal) && e.Subresource.Length > 0 && resource[..^2] == e.Resource)
                || (resource.StartsWith("*/", StringComparison.Ordinal) && resource[2..] == e.Subresource))
            {
                return true;
            }
        }

        return false;
    }
}
