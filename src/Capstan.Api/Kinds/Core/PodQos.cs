using System.Text.Json.Nodes;
using Capstan.Api.Validation;

namespace Capstan.Api.Kinds.Core;

/// <summary>Kubernetes' quality-of-service class of a pod, from its containers' cpu and memory requests and limits.</summary>
public static class PodQos
{
    private static readonly string[] ComputeResources = ["cpu", "memory"];

    /// <summary>
    /// BestEffort: no cpu/memory requests or limits anywhere. Guaranteed: every container limits cpu and memory and the
    /// summed requests equal the summed limits. Burstable otherwise.
    /// </summary>
    public static string Compute(JsonObject spec)
    {
        var requests = new Dictionary<string, Quantity>();
        var limits = new Dictionary<string, Quantity>();
        var guaranteed = true;
        foreach (var key in new[] { "containers", "initContainers" })
        {
            foreach (var (_, container) in spec.Items(key))
            {
                var resources = container.Obj("resources");
                Sum(resources?.Obj("requests"), requests);
                var found = Sum(resources?.Obj("limits"), limits);
                if (!ComputeResources.All(found.Contains))
                {
                    guaranteed = false;
                }
            }
        }

        if (requests.Count == 0 && limits.Count == 0)
        {
            return "BestEffort";
        }

        if (guaranteed)
        {
            foreach (var (name, request) in requests)
            {
                if (!limits.TryGetValue(name, out var limit) || limit != request)
                {
                    guaranteed = false;
                    break;
                }
            }
        }

        return guaranteed && requests.Count == limits.Count ? "Guaranteed" : "Burstable";
    }

    private static HashSet<string> Sum(JsonObject? list, Dictionary<string, Quantity> totals)
    {
        var found = new HashSet<string>();
        if (list is null)
        {
            return found;
        }

        foreach (var name in ComputeResources)
        {
            if (ResourceListValidation.TryGetQuantity(list[name], out var q) && q.Sign > 0)
            {
                totals[name] = totals.TryGetValue(name, out var sum) ? sum + q : q;
                found.Add(name);
            }
        }

        return found;
    }
}
