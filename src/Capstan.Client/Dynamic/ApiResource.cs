namespace Capstan.Client.Dynamic;

/// <summary>One resource the server serves, as discovery describes it (subresources excluded).</summary>
public sealed record ApiResource(string Group, string Version, string Resource, string Kind, bool Namespaced, IReadOnlyList<string> Verbs)
{
    public static readonly ApiResource Namespaces = new("", "v1", "namespaces", "Namespace", false, ["get", "list", "watch", "update", "delete"]);

    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>"configmaps" for the core group, "deployments.apps" otherwise: the name Kubernetes uses in messages.</summary>
    public string GroupResource => Group.Length == 0 ? Resource : $"{Resource}.{Group}";

    public bool Supports(string verb) => Verbs.Contains(verb, StringComparer.Ordinal);

    /// <summary>The collection path relative to the server root, e.g. api/v1/namespaces/ns/configmaps.</summary>
    public string CollectionPath(string? ns)
    {
        var root = Group.Length == 0 ? $"api/{Version}" : $"apis/{Group}/{Version}";
        return Namespaced && !string.IsNullOrEmpty(ns)
            ? $"{root}/namespaces/{Uri.EscapeDataString(ns)}/{Resource}"
            : $"{root}/{Resource}";
    }

    public string ObjectPath(string? ns, string name) => $"{CollectionPath(ns)}/{Uri.EscapeDataString(name)}";

    public override string ToString() => $"{ApiVersion}/{Resource}";
}
