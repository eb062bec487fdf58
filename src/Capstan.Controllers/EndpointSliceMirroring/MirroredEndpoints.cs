using System.Text.Json.Nodes;
using Capstan.Api.Validation;
using Capstan.Controllers.Endpoints;
using Capstan.Controllers.EndpointSlice;

namespace Capstan.Controllers.EndpointSliceMirroring;

/// <summary>A user-managed Endpoints object as slice groups: each subset's ports with its addresses (ready) and notReadyAddresses (not ready).</summary>
internal static class MirroredEndpoints
{
    /// <summary>Kubernetes mirrors at most this many addresses of each subset.</summary>
    public const int MaxAddressesPerSubset = 1000;

    public const string SkipMirrorLabel = "endpointslice.kubernetes.io/skip-mirror";

    /// <summary>Leader-election records kept in Endpoints by old components are not Service endpoints.</summary>
    public const string LeaderAnnotation = "control-plane.alpha.kubernetes.io/leader";

    public static bool ShouldMirror(JsonObject endpoints) =>
        (endpoints["metadata"]?["labels"] as JsonObject)?.Str(SkipMirrorLabel) != "true"
        && (endpoints["metadata"]?["annotations"] as JsonObject)?.Str(LeaderAnnotation) is null;

    public static IReadOnlyList<SliceGroup> Compute(JsonObject endpoints)
    {
        var groups = new Dictionary<string, (string AddressType, JsonArray Ports, List<KeyValuePair<string, JsonObject>> Endpoints, HashSet<string> Seen)>(StringComparer.Ordinal);
        foreach (var (_, subset) in endpoints.Items("subsets"))
        {
            var ports = new JsonArray([.. subset.Items("ports").Select(p => (JsonNode)Port(p.Item))]);
            var addresses = subset.Items("addresses").Select(a => (a.Item, Ready: true))
                .Concat(subset.Items("notReadyAddresses").Select(a => (a.Item, Ready: false)))
                .Take(MaxAddressesPerSubset);
            foreach (var (address, ready) in addresses)
            {
                // Re-formatted, so that an irregular spelling of an address gives the same endpoint as the usual one.
                if (PodEndpoints.ParseIp(address.StrOrEmpty("ip")) is not { } parsed)
                {
                    continue;
                }

                var ip = parsed.ToString();
                var addressType = PodEndpoints.AddressType(ip)!;
                var key = SliceGroupKey.Of(addressType, ports);
                if (!groups.TryGetValue(key, out var group))
                {
                    group = (addressType, (JsonArray)ports.DeepClone(), [], new HashSet<string>(StringComparer.Ordinal));
                    groups[key] = group;
                }

                var endpoint = Endpoint(address, ip, ready);
                var endpointKey = "ip:" + ip;
                if (group.Seen.Add(endpointKey))
                {
                    group.Endpoints.Add(KeyValuePair.Create(endpointKey, endpoint));
                }
            }
        }

        return [.. groups.OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => new SliceGroup(g.Value.AddressType, g.Value.Ports, g.Value.Endpoints))];
    }

    private static JsonObject Port(JsonObject port)
    {
        var result = new JsonObject { ["name"] = port.StrOrEmpty("name"), ["port"] = port.Long("port"), ["protocol"] = PodEndpoints.Protocol(port) };
        if (port.Str("appProtocol") is { Length: > 0 } appProtocol)
        {
            result["appProtocol"] = appProtocol;
        }

        return result;
    }

    private static JsonObject Endpoint(JsonObject address, string ip, bool ready)
    {
        var endpoint = new JsonObject
        {
            ["addresses"] = new JsonArray(ip),
            ["conditions"] = new JsonObject { ["ready"] = ready },
        };
        if (address.Str("hostname") is { Length: > 0 } hostname)
        {
            endpoint["hostname"] = hostname;
        }

        if (address["targetRef"] is JsonObject targetRef)
        {
            endpoint["targetRef"] = targetRef.DeepClone();
        }

        if (address.Str("nodeName") is { Length: > 0 } nodeName)
        {
            endpoint["nodeName"] = nodeName;
        }

        return endpoint;
    }
}
