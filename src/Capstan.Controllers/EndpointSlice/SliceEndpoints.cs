using System.Text.Json.Nodes;
using Capstan.Client.Dynamic;
using Capstan.Controllers.Endpoints;
using Capstan.Controllers.Pods;

namespace Capstan.Controllers.EndpointSlice;

/// <summary>A Service's pods as EndpointSlice endpoints, grouped by address type and resolved port set.</summary>
internal static class SliceEndpoints
{
    public const string ZoneLabel = "topology.kubernetes.io/zone";

    /// <summary>
    /// Every pod that should be in endpoints, terminating ones included, with Kubernetes' conditions: serving is the pod's
    /// readiness, terminating whether it is being deleted, ready is serving and not terminating (always true with
    /// publishNotReadyAddresses). <paramref name="zoneOf"/> gives a node's zone label, if any.
    /// </summary>
    public static IReadOnlyList<SliceGroup> Compute(JsonObject service, IEnumerable<JsonObject> pods, Func<string, string?> zoneOf, out DateTimeOffset? lastChange)
    {
        var publishNotReady = PodEndpoints.PublishNotReady(service);
        var servicePorts = PodEndpoints.ServicePorts(service);
        var groups = new Dictionary<string, (string AddressType, JsonArray Ports, List<KeyValuePair<string, JsonObject>> Endpoints)>(StringComparer.Ordinal);
        lastChange = Timestamps.CreationTime(service);
        foreach (var pod in pods.OrderBy(p => p.GetName(), StringComparer.Ordinal))
        {
            if (!PodEndpoints.ShouldBeInEndpoints(pod, includeTerminating: true))
            {
                continue;
            }

            if (PodEndpoints.LastChange(pod) is { } changed && (lastChange is null || changed > lastChange))
            {
                lastChange = changed;
            }

            // Slices name every port, "" for an unnamed one, as Kubernetes writes them.
            var ports = PodEndpoints.EndpointPorts(pod, servicePorts);
            foreach (var port in ports.OfType<JsonObject>())
            {
                if (!port.ContainsKey("name"))
                {
                    port.Insert(0, "name", "");
                }
            }

            // One endpoint per address family the Service has and the pod has an IP of (dual-stack gets slices of each type).
            foreach (var addressType in PodEndpoints.Families(service, pod))
            {
                if (PodEndpoints.PodIpOf(pod, addressType) is not { } ip)
                {
                    continue;
                }

                var key = SliceGroupKey.Of(addressType, ports);
                if (!groups.TryGetValue(key, out var group))
                {
                    group = (addressType, (JsonArray)ports.DeepClone(), []);
                    groups[key] = group;
                }

                var endpoint = Endpoint(pod, service, ip, publishNotReady, zoneOf);
                group.Endpoints.Add(KeyValuePair.Create(SliceGroupKey.EndpointKey(endpoint), endpoint));
            }
        }

        return [.. groups.OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => new SliceGroup(g.Value.AddressType, g.Value.Ports, g.Value.Endpoints))];
    }

    private static JsonObject Endpoint(JsonObject pod, JsonObject service, string ip, bool publishNotReady, Func<string, string?> zoneOf)
    {
        var serving = PodFacts.IsReady(pod);
        var terminating = pod.IsBeingDeleted();
        var endpoint = new JsonObject
        {
            ["addresses"] = new JsonArray(ip),
            ["conditions"] = new JsonObject
            {
                ["ready"] = publishNotReady || (serving && !terminating),
                ["serving"] = serving,
                ["terminating"] = terminating,
            },
        };
        if (PodEndpoints.Hostname(pod, service) is { } hostname)
        {
            endpoint["hostname"] = hostname;
        }

        endpoint["targetRef"] = PodEndpoints.TargetRef(pod);
        if (PodFacts.NodeName(pod) is { Length: > 0 } node)
        {
            endpoint["nodeName"] = node;
            if (zoneOf(node) is { Length: > 0 } zone)
            {
                endpoint["zone"] = zone;
            }
        }

        return endpoint;
    }
}
