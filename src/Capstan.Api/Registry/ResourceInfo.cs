namespace Capstan.Api.Registry;

/// <summary>What the API serves for one resource: its group/version/kind, URL names, scope, verbs and subresources.</summary>
public sealed record ResourceInfo(
    string Group,
    string Version,
    string Kind,
    string Plural,
    string Singular,
    bool Namespaced,
    IReadOnlyList<string> Verbs,
    IReadOnlyList<string> ShortNames,
    IReadOnlyList<string> Categories,
    IReadOnlyList<string> Subresources,
    Type? ModelType)
{
    public string GroupVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    public string ListKind => Kind + "List";

    /// <summary>The group as it appears in storage keys ("core" for the legacy group, as etcd keys of Kubernetes do not, but we keep keys uniform).</summary>
    public string StorageGroup => Group.Length == 0 ? "core" : Group;

    /// <summary>Prefix of every key of this resource: <c>/registry/&lt;group&gt;/&lt;plural&gt;/</c>.</summary>
    public string StoragePrefix => $"/registry/{StorageGroup}/{Plural}/";

    public string StorageKey(string? @namespace, string name) =>
        Namespaced ? $"{StoragePrefix}{@namespace}/{name}" : $"{StoragePrefix}{name}";

    public string NamespacePrefix(string @namespace) => $"{StoragePrefix}{@namespace}/";

    public bool HasStatus => Subresources.Contains("status");

    public bool HasScale => Subresources.Contains("scale");

    /// <summary>Create-only review resources (access reviews, token reviews): answered, never stored.</summary>
    public bool IsVirtual => Verbs.Count == 1 && Verbs[0] == "create";

    /// <summary>Group and resource as Kubernetes names them in messages: "deployments.apps", "pods".</summary>
    public string GroupResource => Group.Length == 0 ? Plural : $"{Plural}.{Group}";

    /// <summary>Kind qualified by group, as in "Deployment.apps \"web\" is invalid".</summary>
    public string QualifiedKind => Group.Length == 0 ? Kind : $"{Kind}.{Group}";
}
