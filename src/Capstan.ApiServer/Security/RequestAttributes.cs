namespace Capstan.ApiServer.Security;

/// <summary>
/// What a request asks to do, in the terms RBAC rules speak (Kubernetes' authorizer.Attributes). Strings are empty, never null:
/// the core group is <c>""</c>, cluster-scoped requests have namespace <c>""</c>, lists and creates have name <c>""</c>.
/// </summary>
/// <param name="Verb">Lowercase API verb: get, list, watch, create, update, patch, delete, deletecollection, or a special one (impersonate, bind, escalate, approve, use, proxy); for non-resource requests the lowercase HTTP method (get, post, put, ...).</param>
/// <param name="Path">The request path; what nonResourceURLs match for non-resource requests.</param>
public sealed record RequestAttributes(
    string Verb,
    string ApiGroup,
    string Resource,
    string Subresource,
    string Namespace,
    string Name,
    bool IsResourceRequest,
    string Path)
{
    public static RequestAttributes ForResource(
        string verb,
        string apiGroup,
        string resource,
        string @namespace = "",
        string name = "",
        string subresource = "",
        string path = "") =>
        new(verb, apiGroup, resource, subresource, @namespace, name, true, path);

    public static RequestAttributes ForNonResource(string verb, string path) =>
        new(verb, "", "", "", "", "", false, path);

    /// <summary><c>resource</c> or <c>resource/subresource</c>: the form RBAC's resources list uses.</summary>
    public string CombinedResource => Subresource.Length == 0 ? Resource : Resource + "/" + Subresource;
}
