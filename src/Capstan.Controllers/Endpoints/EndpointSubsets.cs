using System.Text.Json.Nodes;
using Capstan.Api.Validation;
using Capstan.Client.Dynamic;
using Capstan.Controllers.Pods;

namespace Capstan.Controllers.Endpoints;

/// <summary>What a Service's Endpoints should hold: the subsets, whether they were cut to capacity, and the latest change behind them.</summary>
internal sealed record EndpointSubsets(JsonArray Subsets, bool Truncated, DateTimeOffset? LastChange)
{
    /// <summary>Kubernetes caps an Endpoints object at 1000 addresses (ready and not ready together); beyond that it is truncated and annotated.</summary>
    public const int MaxAddresses = 1000;

    public const string OverCapacityAnnotation = "endpoints.kubernetes.io/over-capacity";

    /// <summary>
    /// The subsets of a Service with a selector over its matching pods: each pod that should be in endpoints gives an address
    /// (ready, or notReady unless publishNotReadyAddresses) under the ports that resolve on it; addresses with the same
    /// port set share a subset. A headless Service without ports lists addresses with no ports.
    /// </summary>
    public static EndpointSubsets Compute(JsonObject service, IEnumerable<JsonObject> pods)
    {
        var publishNotReady = PodEndpoints.PublishNotReady(service);
        var servicePorts = PodEndpoints.ServicePorts(service);
        var headless = PodEndpoints.IsHeadless(service);
        var groups = new Dictionary<string, (JsonArray Ports, List<JsonObject> Ready, List<JsonObject> NotReady)>(StringComparer.Ordinal);
        var lastChange = Timestamps.CreationTime(service);
        foreach (var pod in pods)
        {
            // Endpoints list one address per pod, of the Service's primary family.
            if (!PodEndpoints.ShouldBeInEndpoints(pod, includeTerminating: publishNotReady)
                || PodEndpoints.Families(service, pod) is not [var family, ..]
                || PodEndpoints.PodIpOf(pod, family) is not { } ip)
            {
                continue;
            }

            JsonArray ports;
            if (servicePorts.Count == 0)
            {
                if (!headless)
                {
                    continue;
                }

                ports = [];
            }
            else
            {
                ports = PodEndpoints.EndpointPorts(pod, servicePorts);
                if (ports.Count == 0)
                {
                    continue;
                }
            }

            if (PodEndpoints.LastChange(pod) is { } changed && (lastChange is null || changed > lastChange))
            {
                lastChange = changed;
            }

            var sorted = new JsonArray([.. ports.OfType<JsonObject>().OrderBy(p => p.StrOrEmpty("name"), StringComparer.Ordinal).ThenBy(p => p.Long("port")).Select(p => p.DeepClone())]);
            var key = sorted.ToJsonString();
            if (!groups.TryGetValue(key, out var group))
            {
                group = (sorted, [], []);
                groups[key] = group;
            }

            var address = Address(pod, service, ip);
            if (publishNotReady || PodFacts.IsReady(pod))
            {
                group.Ready.Add(address);
            }
            else
            {
                group.NotReady.Add(address);
            }
        }

        // Ready addresses are kept first when the total is over capacity: they are the ones that carry traffic.
        var budget = MaxAddresses;
        var total = groups.Values.Sum(g => g.Ready.Count + g.NotReady.Count);
        var ordered = groups.OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => g.Value).ToList();
        var readyKept = new List<List<JsonObject>>();
        foreach (var group in ordered)
        {
            var kept = Sorted(group.Ready).Take(budget).ToList();
            budget -= kept.Count;
            readyKept.Add(kept);
        }

        var subsets = new JsonArray();
        for (var i = 0; i < ordered.Count; i++)
        {
            var notReady = Sorted(ordered[i].NotReady).Take(budget).ToList();
            budget -= notReady.Count;
            if (readyKept[i].Count == 0 && notReady.Count == 0)
            {
                continue;
            }

            var subset = new JsonObject();
            if (readyKept[i].Count > 0)
            {
                subset["addresses"] = new JsonArray([.. readyKept[i]]);
            }

            if (notReady.Count > 0)
            {
                subset["notReadyAddresses"] = new JsonArray([.. notReady]);
            }

            if (ordered[i].Ports.Count > 0)
            {
                subset["ports"] = ordered[i].Ports;
            }

            subsets.Add(subset);
        }

        return new EndpointSubsets(subsets, total > MaxAddresses, lastChange);
    }

    private static IEnumerable<JsonObject> Sorted(List<JsonObject> addresses) =>
        addresses.OrderBy(a => a.StrOrEmpty("ip"), StringComparer.Ordinal).ThenBy(a => a["targetRef"]?["uid"]?.GetValue<string>(), StringComparer.Ordinal);

    private static JsonObject Address(JsonObject pod, JsonObject service, string ip)
    {
        var address = new JsonObject { ["ip"] = ip };
        if (PodEndpoints.Hostname(pod, service) is { } hostname)
        {
            address["hostname"] = hostname;
        }

        if (PodFacts.NodeName(pod) is { Length: > 0 } node)
        {
            address["nodeName"] = node;
        }

        address["targetRef"] = PodEndpoints.TargetRef(pod);
        return address;
    }
}
