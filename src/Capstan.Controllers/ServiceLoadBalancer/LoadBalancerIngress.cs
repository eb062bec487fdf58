using System.Net.Sockets;
using System.Text.Json.Nodes;
using Capstan.Api.Validation;
using Capstan.Client.Dynamic;
using Capstan.Controllers.Endpoints;

namespace Capstan.Controllers.ServiceLoadBalancer;

/// <summary>What ServiceLB publishes as a LoadBalancer Service's ingress: addresses of the nodes that serve it, as k3s's ServiceLB picks them.</summary>
internal static class LoadBalancerIngress
{
    /// <summary>When any node carries this label, only nodes labelled "true" serve load balancers (k3s's opt-in).</summary>
    public const string EnableLabel = "svccontroller.k3s.cattle.io/enablelb";

    /// <summary>With opt-in nodes, a Service carrying this label is served only by nodes with the same value.</summary>
    public const string PoolLabel = "svccontroller.k3s.cattle.io/lbpool";

    /// <summary>
    /// The ingress entries: the ExternalIP addresses of the serving nodes if any of them has one, else their InternalIP
    /// addresses; sorted per family and ordered by the Service's ipFamilies. Serving nodes are Ready, opted in (see
    /// <see cref="EnableLabel"/>), and with externalTrafficPolicy Local only those in <paramref name="nodesWithReadyEndpoints"/>.
    /// </summary>
    public static JsonArray Compute(JsonObject service, IReadOnlyList<JsonObject> nodes, IReadOnlySet<string> nodesWithReadyEndpoints)
    {
        var optIn = nodes.Any(n => Labels(n)?.ContainsKey(EnableLabel) == true);
        var pool = Labels(service)?.Str(PoolLabel);
        var local = (service["spec"] as JsonObject)?.Str("externalTrafficPolicy") == "Local";
        var external = new HashSet<string>(StringComparer.Ordinal);
        var internalIps = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in nodes)
        {
            var labels = Labels(node);
            if (!IsReady(node)
                || (optIn && (labels?.Str(EnableLabel) != "true" || (!string.IsNullOrEmpty(pool) && labels.Str(PoolLabel) != pool)))
                || (local && !nodesWithReadyEndpoints.Contains(node.GetName())))
            {
                continue;
            }

            foreach (var (_, address) in (node["status"] as JsonObject)?.Items("addresses") ?? [])
            {
                var value = address.StrOrEmpty("address");
                switch (address.Str("type"))
                {
                    case "ExternalIP" when value.Length > 0:
                        external.Add(value);
                        break;
                    case "InternalIP" when value.Length > 0:
                        internalIps.Add(value);
                        break;
                }
            }
        }

        var chosen = (external.Count > 0 ? external : internalIps).Select(a => (Text: a, Ip: PodEndpoints.ParseIp(a))).Where(a => a.Ip is not null).ToList();
        var families = (service["spec"] as JsonObject)?.Strings("ipFamilies") is { Count: > 0 } f ? f : ["IPv4"];
        var ingress = new JsonArray();
        foreach (var family in families)
        {
            var addressFamily = family == "IPv6" ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;
            foreach (var address in chosen.Where(a => a.Ip!.AddressFamily == addressFamily).Select(a => a.Text).Order(StringComparer.Ordinal))
            {
                ingress.Add(new JsonObject { ["ip"] = address });
            }
        }

        return ingress;
    }

    /// <summary>ServiceLB serves type LoadBalancer Services that name no other implementation in spec.loadBalancerClass.</summary>
    public static bool Serves(JsonObject service)
    {
        var spec = service["spec"] as JsonObject;
        return spec?.Str("type") == "LoadBalancer" && string.IsNullOrEmpty(spec.Str("loadBalancerClass"));
    }

    public static bool IsLocal(JsonObject service) => (service["spec"] as JsonObject)?.Str("externalTrafficPolicy") == "Local";

    public static bool IsReady(JsonObject node) =>
        (node["status"] as JsonObject)?.Items("conditions").Any(c => c.Item.Str("type") == "Ready" && c.Item.Str("status") == "True") == true;

    private static JsonObject? Labels(JsonObject obj) => obj["metadata"]?["labels"] as JsonObject;
}
