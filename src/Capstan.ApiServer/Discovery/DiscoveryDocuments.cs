using System.Text.Json;
using System.Text.Json.Nodes;
using Capstan.Api.Registry;

namespace Capstan.ApiServer.Discovery;

/// <summary>The discovery documents (/api, /apis, per group and version, and aggregated discovery v2), built once from the registry.</summary>
public sealed class DiscoveryDocuments
{
    public const string AggregatedContentType = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

    private readonly Dictionary<string, byte[]> _resourceLists = new(StringComparer.Ordinal);
    private readonly Dictionary<string, byte[]> _groups = new(StringComparer.Ordinal);

    public DiscoveryDocuments(ResourceRegistry registry, string serverAddress)
    {
        Api = Bytes(new JsonObject
        {
            ["kind"] = "APIVersions",
            ["versions"] = new JsonArray("v1"),
            ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject { ["clientCIDR"] = "0.0.0.0/0", ["serverAddress"] = serverAddress }),
        });

        var groups = new JsonArray();
        foreach (var (group, versions) in registry.Groups)
        {
            var g = GroupObject(group, versions);
            _groups[group] = Bytes(g);
            g.Remove("kind");
            g.Remove("apiVersion");
            groups.Add(g);
        }

        Apis = Bytes(new JsonObject { ["kind"] = "APIGroupList", ["apiVersion"] = "v1", ["groups"] = groups });

        foreach (var gv in registry.Resources.GroupBy(r => (r.Group, r.Version)))
        {
            var resources = new JsonArray();
            foreach (var r in gv)
            {
                resources.Add(ResourceObject(r));
                foreach (var sub in r.Subresources)
                {
                    var (kind, verbs, subGroup, subVersion) = Subresource(r, sub);
                    var s = new JsonObject
                    {
                        ["name"] = $"{r.Plural}/{sub}",
                        ["singularName"] = "",
                        ["namespaced"] = r.Namespaced,
                        ["kind"] = kind,
                        ["verbs"] = Array(verbs),
                    };
                    if (subGroup is not null)
                    {
                        s["group"] = subGroup;
                        s["version"] = subVersion;
                    }

                    resources.Add(s);
                }
            }

            var groupVersion = gv.Key.Group.Length == 0 ? gv.Key.Version : $"{gv.Key.Group}/{gv.Key.Version}";
            _resourceLists[groupVersion] = Bytes(new JsonObject
            {
                ["kind"] = "APIResourceList",
                ["apiVersion"] = "v1",
                ["groupVersion"] = groupVersion,
                ["resources"] = resources,
            });
        }

        AggregatedApi = Bytes(Aggregated(registry, legacy: true));
        AggregatedApis = Bytes(Aggregated(registry, legacy: false));
    }

    public byte[] Api { get; }

    public byte[] Apis { get; }

    public byte[] AggregatedApi { get; }

    public byte[] AggregatedApis { get; }

    /// <summary>The APIResourceList of "v1" or "apps/v1".</summary>
    public byte[]? ResourceList(string groupVersion) => _resourceLists.GetValueOrDefault(groupVersion);

    public byte[]? Group(string group) => _groups.GetValueOrDefault(group);

    private static JsonObject GroupObject(string group, IReadOnlyList<string> versions)
    {
        var list = new JsonArray();
        foreach (var v in versions)
        {
            list.Add(new JsonObject { ["groupVersion"] = $"{group}/{v}", ["version"] = v });
        }

        return new JsonObject
        {
            ["kind"] = "APIGroup",
            ["apiVersion"] = "v1",
            ["name"] = group,
            ["versions"] = list,
            ["preferredVersion"] = new JsonObject { ["groupVersion"] = $"{group}/{versions[0]}", ["version"] = versions[0] },
        };
    }

    private static JsonObject ResourceObject(ResourceInfo r)
    {
        var o = new JsonObject
        {
            ["name"] = r.Plural,
            ["singularName"] = r.Singular,
            ["namespaced"] = r.Namespaced,
            ["kind"] = r.Kind,
            ["verbs"] = Array(r.Verbs),
        };
        if (r.ShortNames.Count > 0)
        {
            o["shortNames"] = Array(r.ShortNames);
        }

        if (r.Categories.Count > 0)
        {
            o["categories"] = Array(r.Categories);
        }

        return o;
    }

    private static JsonObject Aggregated(ResourceRegistry registry, bool legacy)
    {
        var items = new JsonArray();
        var byGroup = registry.Resources.Where(r => (r.Group.Length == 0) == legacy).GroupBy(r => r.Group);
        foreach (var group in byGroup)
        {
            var versions = new JsonArray();
            foreach (var version in group.GroupBy(r => r.Version))
            {
                var resources = new JsonArray();
                foreach (var r in version)
                {
                    var o = new JsonObject
                    {
                        ["resource"] = r.Plural,
                        ["responseKind"] = new JsonObject { ["group"] = r.Group, ["version"] = r.Version, ["kind"] = r.Kind },
                        ["scope"] = r.Namespaced ? "Namespaced" : "Cluster",
                        ["singularResource"] = r.Singular,
                        ["verbs"] = Array(r.Verbs),
                    };
                    if (r.ShortNames.Count > 0)
                    {
                        o["shortNames"] = Array(r.ShortNames);
                    }

                    if (r.Categories.Count > 0)
                    {
                        o["categories"] = Array(r.Categories);
                    }

                    if (r.Subresources.Count > 0)
                    {
                        var subs = new JsonArray();
                        foreach (var sub in r.Subresources)
                        {
                            var (kind, verbs, subGroup, subVersion) = Subresource(r, sub);
                            subs.Add(new JsonObject
                            {
                                ["subresource"] = sub,
                                ["responseKind"] = new JsonObject { ["group"] = subGroup ?? r.Group, ["version"] = subVersion ?? r.Version, ["kind"] = kind },
                                ["verbs"] = Array(verbs),
                            });
                        }

                        o["subresources"] = subs;
                    }

                    resources.Add(o);
                }

                versions.Add(new JsonObject { ["version"] = version.Key, ["resources"] = resources, ["freshness"] = "Current" });
            }

            var meta = new JsonObject { ["creationTimestamp"] = null };
            if (!legacy)
            {
                meta["name"] = group.Key;
            }

            items.Add(new JsonObject { ["metadata"] = meta, ["versions"] = versions });
        }

        return new JsonObject
        {
            ["kind"] = "APIGroupDiscoveryList",
            ["apiVersion"] = "apidiscovery.k8s.io/v2",
            ["metadata"] = new JsonObject(),
            ["items"] = items,
        };
    }

    /// <summary>The kind and verbs a subresource answers with; group/version when they differ from the parent's.</summary>
    private static (string Kind, string[] Verbs, string? Group, string? Version) Subresource(ResourceInfo r, string sub) => sub switch
    {
        "status" => (r.Kind, ["get", "patch", "update"], null, null),
        "scale" => ("Scale", ["get", "patch", "update"], "autoscaling", "v1"),
        "binding" => ("Binding", ["create"], null, null),
        "eviction" => ("Eviction", ["create"], "policy", "v1"),
        "log" => ("Pod", ["get"], null, null),
        "exec" => ("PodExecOptions", ["create", "get"], null, null),
        "attach" => ("PodAttachOptions", ["create", "get"], null, null),
        "portforward" => ("PodPortForwardOptions", ["create", "get"], null, null),
        "proxy" => (r.Kind + "ProxyOptions", ["create", "delete", "get", "patch", "update"], null, null),
        "finalize" => (r.Kind, ["update"], null, null),
        "token" => ("TokenRequest", ["create"], "authentication.k8s.io", "v1"),
        _ => (r.Kind, ["get"], null, null),
    };

    private static JsonArray Array(IEnumerable<string> values) => new(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());

    private static byte[] Bytes(JsonNode node) => JsonSerializer.SerializeToUtf8Bytes(node);
}
