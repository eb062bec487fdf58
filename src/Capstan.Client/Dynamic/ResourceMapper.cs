namespace Capstan.Client.Dynamic;

/// <summary>Finds the resource that serves a kind (what an ownerReference names) among those discovery reported.</summary>
public sealed class ResourceMapper
{
    private readonly Dictionary<(string Group, string Kind), ApiResource> _byKind = [];

    public ResourceMapper(IEnumerable<ApiResource> resources)
    {
        foreach (var r in resources)
        {
            // Discovery lists one (preferred) version per group, so group + kind is enough whatever version a reference names.
            _byKind.TryAdd((r.Group, r.Kind), r);
        }
    }

    public ApiResource? ForKind(string group, string kind) => _byKind.GetValueOrDefault((group, kind));
}
