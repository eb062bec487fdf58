using System.Text.Json.Nodes;
using Capstan.Api.Validation;
using Capstan.Client.Dynamic;

namespace Capstan.Controllers.EndpointSlice;

/// <summary>
/// Plans a Service's slices with as few writes as possible, the way Kubernetes' reconciler does: endpoints stay in the
/// slice that already holds them (updated in place when they change), slices that lose all their endpoints are
/// deleted, and new endpoints go first into slices that are being written anyway, then into the existing slice with
/// the most room, and only then into new slices of at most <c>maxPerSlice</c>. A Service with no endpoints at all keeps
/// one empty placeholder slice.
/// </summary>
internal static class SlicePlanner
{
    public const int DefaultMaxEndpointsPerSlice = 100;

    public static SlicePlan Plan(IReadOnlyList<SliceGroup> groups, IReadOnlyList<JsonObject> existing, int maxPerSlice = DefaultMaxEndpointsPerSlice)
    {
        var create = new List<JsonObject>();
        var update = new List<JsonObject>();
        var delete = new List<JsonObject>();
        var unchanged = new List<JsonObject>();
        var byGroup = existing.GroupBy(SliceGroupKey.Of).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var wanted = groups.Where(g => g.Endpoints.Count > 0).ToList();

        foreach (var group in wanted)
        {
            var desired = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
            foreach (var (key, endpoint) in group.Endpoints)
            {
                desired.TryAdd(key, endpoint);
            }

            var slices = byGroup.Remove(group.Key, out var found) ? found : [];
            var changed = new List<JsonObject>();
            var kept = new List<JsonObject>();
            foreach (var slice in slices)
            {
                var endpoints = new JsonArray();
                var dirty = false;
                foreach (var endpoint in (slice["endpoints"] as JsonArray ?? []).OfType<JsonObject>())
                {
                    var key = SliceGroupKey.EndpointKey(endpoint);
                    if (!desired.Remove(key, out var want))
                    {
                        dirty = true;
                        continue;
                    }

                    dirty |= !JsonAccess.SameAs(endpoint, want);
                    endpoints.Add(want.DeepClone());
                }

                if (endpoints.Count == 0)
                {
                    delete.Add(slice);
                    continue;
                }

                if (dirty)
                {
                    var copy = slice.DeepCopy();
                    copy["endpoints"] = endpoints;
                    changed.Add(copy);
                }
                else
                {
                    kept.Add(slice);
                }
            }

            // Remaining endpoints are new: fill the slices being written anyway, then the untouched slice with most room, then new slices.
            var remaining = new Queue<JsonObject>(group.Endpoints.Where(e => desired.ContainsKey(e.Key)).Select(e => e.Value));
            foreach (var slice in changed)
            {
                Fill((JsonArray)slice["endpoints"]!, remaining, maxPerSlice);
            }

            while (remaining.Count > 0)
            {
                var roomiest = kept.OrderBy(s => (s["endpoints"] as JsonArray)?.Count ?? 0).FirstOrDefault();
                if (roomiest is null || ((roomiest["endpoints"] as JsonArray)?.Count ?? 0) >= maxPerSlice)
                {
                    break;
                }

                kept.Remove(roomiest);
                var copy = roomiest.DeepCopy();
                var endpoints = copy["endpoints"] as JsonArray ?? [];
                copy["endpoints"] = endpoints;
                Fill(endpoints, remaining, maxPerSlice);
                changed.Add(copy);
            }

            while (remaining.Count > 0)
            {
                var endpoints = new JsonArray();
                Fill(endpoints, remaining, maxPerSlice);
                create.Add(new JsonObject
                {
                    ["addressType"] = group.AddressType,
                    ["ports"] = group.Ports.DeepClone(),
                    ["endpoints"] = endpoints,
                });
            }

            update.AddRange(changed);
            unchanged.AddRange(kept);
        }

        // Slices of port sets or address types no longer wanted go, except one empty placeholder when nothing else remains.
        var leftovers = byGroup.Values.SelectMany(s => s).ToList();
        if (wanted.Count == 0)
        {
            var placeholder = leftovers.FirstOrDefault(IsPlaceholder);
            if (placeholder is not null)
            {
                leftovers.Remove(placeholder);
                unchanged.Add(placeholder);
            }
            else if (update.Count == 0 && unchanged.Count == 0)
            {
                create.Add(Placeholder());
            }
        }

        delete.AddRange(leftovers);
        return new SlicePlan(create, update, delete, unchanged);
    }

    /// <summary>The slice Kubernetes keeps for a Service without endpoints: IPv4, no ports, no endpoints.</summary>
    public static JsonObject Placeholder() => new() { ["addressType"] = "IPv4", ["endpoints"] = new JsonArray() };

    public static bool IsPlaceholder(JsonObject slice) =>
        slice.StrOrEmpty("addressType") == "IPv4" && !slice.HasEntries("endpoints") && !slice.HasEntries("ports");

    private static void Fill(JsonArray endpoints, Queue<JsonObject> remaining, int maxPerSlice)
    {
        while (endpoints.Count < maxPerSlice && remaining.TryDequeue(out var endpoint))
        {
            endpoints.Add(endpoint.DeepClone());
        }
    }
}
