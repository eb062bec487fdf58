using System.Text.Json.Nodes;
using Capstan.Api.Validation;

namespace Capstan.Controllers.ServiceLoadBalancer;

/// <summary>What ServiceLB publishes as a LoadBalancer Service's ingress: the addresses of the ready nodes.</summary>
internal static class LoadBalancerIngress
{
    /// <summary>
    /// One entry per distinct address of each Ready node, sorted: a node's ExternalIP addresses when it has any, else its
    /// InternalIP ones (k3s's ServiceLB does the same with the nodes running its pods).
    /// </summary>
    public static JsonArray Compute(IEnumerable<JsonObject> nodes)
    {
        var addresses = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var node in nodes)
        {
            if (!IsReady(node))
            {
                continue;
            }

            var all = (node["status"] as JsonObject)?.Items("addresses").Select(a => a.Item).ToList() ?? [];
            var external = all.Where(a => a.Str("type") == "ExternalIP").Select(a => a.StrOrEmpty("address")).Where(a => a.Length > 0).ToList();
            var chosen = external.Count > 0
                ? external
                : all.Where(a => a.Str("type") == "InternalIP").Select(a => a.StrOrEmpty("address")).Where(a => a.Length > 0).ToList();
            addresses.UnionWith(chosen);
        }

        return new JsonArray([.. addresses.Select(a => (JsonNode)new JsonObject { ["ip"] = a })]);
    }

    /// <summary>ServiceLB serves type LoadBalancer Services that name no other implementation in spec.loadBalancerClass.</summary>
    public static bool Serves(JsonObject service)
    {
        var spec = service["spec"] as JsonObject;
        return spec?.Str("type") == "LoadBalancer" && string.IsNullOrEmpty(spec.Str("loadBalancerClass"));
    }

    public static bool IsReady(JsonObject node) =>
        (node["status"] as JsonObject)?.Items("conditions").Any(c => c.Item.Str("type") == "Ready" && c.Item.Str("status") == "True") == true;
}
