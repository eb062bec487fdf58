using System.Net;
using System.Text.Json.Nodes;
using Capstan.Client.Dynamic;

namespace Capstan.Network.Catalog;

/// <summary>Combines a Service object and its parsed EndpointSlices into a <see cref="ServiceView"/>.</summary>
internal static class ServiceViewBuilder
{
    /// <param name="canaryAddresses">The endpoint addresses of the Service's canary Service when it names one; its backends are marked Canary.</param>
    public static ServiceView Build(JsonObject service, IEnumerable<EndpointSliceData> slices, IReadOnlySet<IPAddress>? canaryAddresses = null)
    {
        var spec = service["spec"] as JsonObject ?? [];
        var type = spec["type"]?.GetValue<string>() ?? "ClusterIP";
        var clusterIpText = spec["clusterIP"]?.GetValue<string>();
        var headless = string.Equals(clusterIpText, "None", StringComparison.Ordinal);
        var clusterIps = new List<IPAddress>();
        if (!headless && type != "ExternalName")
        {
            foreach (var text in Strings(spec["clusterIPs"]).DefaultIfEmpty(clusterIpText ?? ""))
            {
                if (IPAddress.TryParse(text, out var ip))
                {
                    clusterIps.Add(ip);
                }
            }
        }

        var sliceList = slices.ToList();
        var ports = new List<ServicePortView>();
        if (spec["ports"] is JsonArray portArray)
        {
            foreach (var node in portArray)
            {
                if (node is not JsonObject port || port["port"] is not JsonValue number || !number.TryGetValue<int>(out var portNumber))
                {
                    continue;
                }

                var name = port["name"]?.GetValue<string>() ?? "";
                var protocol = port["protocol"]?.GetValue<string>() ?? "TCP";
                var nodePort = port["nodePort"] is JsonValue np && np.TryGetValue<int>(out var n) ? n : 0;
                ports.Add(new ServicePortView(name, protocol, portNumber, nodePort, port["appProtocol"]?.GetValue<string>(), BackendsFor(name, protocol, sliceList, canaryAddresses)));
            }
        }

        var affinityTimeout = spec["sessionAffinityConfig"]?["clientIP"]?["timeoutSeconds"] is JsonValue timeout && timeout.TryGetValue<int>(out var seconds) ? seconds : 10800;
        var loadBalancerIps = new List<IPAddress>();
        if (service["status"]?["loadBalancer"]?["ingress"] is JsonArray ingress)
        {
            foreach (var entry in ingress)
            {
                if (entry?["ip"] is JsonValue ipValue && IPAddress.TryParse(ipValue.GetValue<string>(), out var ip))
                {
                    loadBalancerIps.Add(ip);
                }
            }
        }

        var annotations = new Dictionary<string, string>(StringComparer.Ordinal);
        if (service["metadata"]?["annotations"] is JsonObject annotationObject)
        {
            foreach (var (key, value) in annotationObject)
            {
                if (value is JsonValue v && v.TryGetValue<string>(out var s))
                {
                    annotations[key] = s;
                }
            }
        }

        return new ServiceView
        {
            Key = new ServiceKey(service.GetNamespace(), service.GetName()),
            Type = type,
            ClusterIps = clusterIps,
            Headless = headless,
            ExternalName = type == "ExternalName" ? spec["externalName"]?.GetValue<string>() : null,
            Ports = ports,
            Endpoints = EndpointsOf(sliceList),
            SessionAffinity = spec["sessionAffinity"]?.GetValue<string>() ?? "None",
            SessionAffinityTimeoutSeconds = affinityTimeout,
            InternalTrafficPolicy = spec["internalTrafficPolicy"]?.GetValue<string>() ?? "Cluster",
            ExternalTrafficPolicy = spec["externalTrafficPolicy"]?.GetValue<string>() ?? "Cluster",
            PublishNotReadyAddresses = spec["publishNotReadyAddresses"] is JsonValue publish && publish.TryGetValue<bool>(out var p) && p,
            LoadBalancerIps = loadBalancerIps,
            ExternalIps = [.. Strings(spec["externalIPs"]).Select(s => IPAddress.TryParse(s, out var ip) ? ip : null).OfType<IPAddress>()],
            Annotations = annotations,
            CanaryWeight = CanaryAnnotations.WeightOf(annotations),
        };
    }

    // A service port matches the slice ports of the same name and protocol; during a transition two slices may list
    // the same address, so backends are deduplicated by endpoint.
    private static List<Backend> BackendsFor(string portName, string protocol, List<EndpointSliceData> slices, IReadOnlySet<IPAddress>? canaryAddresses)
    {
        var backends = new List<Backend>();
        var seen = new HashSet<IPEndPoint>();
        foreach (var slice in slices)
        {
            foreach (var slicePort in slice.Ports)
            {
                if (!string.Equals(slicePort.Name, portName, StringComparison.Ordinal) || !string.Equals(slicePort.Protocol, protocol, StringComparison.Ordinal))
                {
                    continue;
                }

                foreach (var endpoint in slice.Endpoints)
                {
                    foreach (var address in endpoint.Addresses)
                    {
                        var backend = new Backend(address, slicePort.Port, endpoint.Ready, endpoint.Serving, endpoint.Terminating, endpoint.NodeName)
                        {
                            Canary = canaryAddresses?.Contains(address) == true,
                        };
                        if (seen.Add(backend.EndPoint))
                        {
                            backends.Add(backend);
                        }
                    }
                }
            }
        }

        return backends;
    }

    private static List<EndpointView> EndpointsOf(List<EndpointSliceData> slices)
    {
        var endpoints = new List<EndpointView>();
        var seen = new HashSet<IPAddress>();
        foreach (var endpoint in slices.SelectMany(s => s.Endpoints))
        {
            if (endpoint.Addresses.Count > 0 && seen.Add(endpoint.Addresses[0]))
            {
                endpoints.Add(endpoint);
            }
        }

        return endpoints;
    }

    private static IEnumerable<string> Strings(JsonNode? node) =>
        node is JsonArray array ? array.OfType<JsonValue>().Select(v => v.TryGetValue<string>(out var s) ? s : null).OfType<string>() : [];
}
