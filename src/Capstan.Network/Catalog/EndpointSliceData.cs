using System.Net;
using System.Text.Json.Nodes;

namespace Capstan.Network.Catalog;

/// <summary>The parts of an EndpointSlice the catalog uses, parsed once when the slice changes.</summary>
internal sealed record EndpointSliceData(string AddressType, IReadOnlyList<SlicePort> Ports, IReadOnlyList<EndpointView> Endpoints)
{
    public const string ServiceNameLabel = "kubernetes.io/service-name";

    public static EndpointSliceData Parse(JsonObject slice)
    {
        var ports = new List<SlicePort>();
        if (slice["ports"] is JsonArray portArray)
        {
            foreach (var node in portArray)
            {
                if (node is JsonObject port && port["port"] is JsonValue number && number.TryGetValue<int>(out var value))
                {
                    ports.Add(new SlicePort(
                        port["name"]?.GetValue<string>() ?? "",
                        port["protocol"]?.GetValue<string>() ?? "TCP",
                        value));
                }
            }
        }

        var endpoints = new List<EndpointView>();
        if (slice["endpoints"] is JsonArray endpointArray)
        {
            foreach (var node in endpointArray)
            {
                if (node is not JsonObject endpoint)
                {
                    continue;
                }

                var addresses = new List<IPAddress>();
                if (endpoint["addresses"] is JsonArray addressArray)
                {
                    foreach (var address in addressArray)
                    {
                        if (address is JsonValue text && text.TryGetValue<string>(out var s) && IPAddress.TryParse(s, out var ip))
                        {
                            addresses.Add(ip);
                        }
                    }
                }

                // Unset conditions mean ready and serving, and not terminating (discovery.k8s.io/v1 EndpointConditions).
                var conditions = endpoint["conditions"] as JsonObject;
                var ready = Flag(conditions, "ready") ?? true;
                var serving = Flag(conditions, "serving") ?? ready;
                var terminating = Flag(conditions, "terminating") ?? false;
                var targetRef = endpoint["targetRef"] as JsonObject;
                var podName = targetRef?["kind"]?.GetValue<string>() == "Pod" ? targetRef["name"]?.GetValue<string>() : null;
                endpoints.Add(new EndpointView(
                    addresses,
                    endpoint["hostname"]?.GetValue<string>(),
                    endpoint["nodeName"]?.GetValue<string>(),
                    podName,
                    ready,
                    serving,
                    terminating));
            }
        }

        return new EndpointSliceData(slice["addressType"]?.GetValue<string>() ?? "IPv4", ports, endpoints);
    }

    private static bool? Flag(JsonObject? conditions, string name) =>
        conditions?[name] is JsonValue value && value.TryGetValue<bool>(out var flag) ? flag : null;
}

internal readonly record struct SlicePort(string Name, string Protocol, int Port);
