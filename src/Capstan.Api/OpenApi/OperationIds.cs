using Capstan.Api.Registry;

namespace Capstan.Api.OpenApi;

/// <summary>Operation ids and tags in the Kubernetes pattern: <c>listCoreV1NamespacedPod</c>, <c>patchAppsV1NamespacedDeploymentScale</c>, tag <c>apps_v1</c>.</summary>
internal sealed class OperationIds
{
    private readonly string _groupVersion;
    private readonly string _scoped;

    public OperationIds(ResourceInfo resource)
    {
        Kind = resource.Kind;
        var group = resource.Group.Length == 0 ? "core" : resource.Group.Replace(".k8s.io", "", StringComparison.Ordinal);
        var words = group.Split('.', '-');
        _groupVersion = string.Concat(words.Select(Pascal)) + Pascal(resource.Version);
        _scoped = (resource.Namespaced ? "Namespaced" : "") + resource.Kind;
        Tag = words[0] + string.Concat(words.Skip(1).Select(Pascal)) + "_" + resource.Version;
    }

    public string Kind { get; }

    public string Tag { get; }

    public string Id(string verb, string suffix = "") => verb switch
    {
        "listall" => $"list{_groupVersion}{Kind}ForAllNamespaces",
        "deletecollection" => $"delete{_groupVersion}Collection{_scoped}",
        "watchlist" => $"watch{_groupVersion}{_scoped}List",
        "watchlistall" => $"watch{_groupVersion}{Kind}ListForAllNamespaces",
        _ => $"{verb}{_groupVersion}{_scoped}{suffix}",
    };

    private static string Pascal(string word) => word.Length == 0 ? word : char.ToUpperInvariant(word[0]) + word[1..];
}
