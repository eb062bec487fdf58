using System.Globalization;
using System.Text.Json.Nodes;
using Capstan.Api.Kinds.Core;
using Capstan.Api.Quota;
using Capstan.Api.Registry;
using Capstan.Api.Validation;
using Capstan.ApiServer.Caching;
using Capstan.ApiServer.Http;

namespace Capstan.ApiServer.Admission;

/// <summary>
/// Kubernetes' LimitRanger plugin on create. For each LimitRange in the namespace: a container without a request or limit
/// for a resource gets the Container item's defaultRequest / default (noted in the <c>kubernetes.io/limit-ranger</c>
/// annotation); then every Container and Pod item's min, max and maxLimitRequestRatio, and every PersistentVolumeClaim
/// item's min and max storage, must hold, else 403 Forbidden with Kubernetes' messages
/// ("maximum cpu usage per Container is 1, but limit is 2"). A pod's QoS class is computed again after defaulting.
/// </summary>
public sealed class LimitRanger(WatchCache cache) : IMutatingAdmission
{
    public const string Annotation = "kubernetes.io/limit-ranger";

    public string Name => "LimitRanger";

    public void AdmitCreate(ResourceInfo resource, JsonObject obj)
    {
        if (resource.Group.Length != 0 || resource.Kind is not ("Pod" or "PersistentVolumeClaim"))
        {
            return;
        }

        var ns = JsonAccess.AsString(obj["metadata"]?["namespace"]) ?? "";
        var ranges = LimitRanges(ns);
        if (ranges.Count == 0 || obj["spec"] is not JsonObject spec)
        {
            return;
        }

        var items = ranges.SelectMany(r => (r.Obj("spec") ?? new JsonObject()).Items("limits").Select(i => i.Item)).ToList();
        var errors = new List<string>();
        if (resource.Kind == "Pod")
        {
            ApplyDefaults(obj, spec, items.Where(i => i.StrOrEmpty("type") == "Container").ToList());
            ValidatePod(spec, items, errors);
        }
        else
        {
            foreach (var item in items.Where(i => i.StrOrEmpty("type") == "PersistentVolumeClaim"))
            {
                var requests = ResourceAmounts.Read(spec.Obj("resources")?.Obj("requests"));
                var limits = ResourceAmounts.Read(spec.Obj("resources")?.Obj("limits"));
                Check(item, "PersistentVolumeClaim", requests, limits, errors, ratio: false);
            }
        }

        if (errors.Count > 0)
        {
            var name = JsonAccess.AsString(obj["metadata"]?["name"]) ?? "";
            var message = errors.Count == 1 ? errors[0] : "[" + string.Join(", ", errors) + "]";
            throw ApiException.Forbidden($"{resource.Plural} \"{name}\" is forbidden: {message}", resource.GroupResource, name);
        }
    }

    private List<JsonObject> LimitRanges(string ns)
    {
        if (ns.Length == 0 || cache.Registry.FindKind("", "LimitRange") is not { } limitRanges)
        {
            return [];
        }

        return [.. cache.For(limitRanges).List(limitRanges.NamespacePrefix(ns)).Select(c => JsonNode.Parse(c.Json)).OfType<JsonObject>()];
    }

    // Kubernetes fills what a container leaves unset; an explicit value always wins.
    private static void ApplyDefaults(JsonObject pod, JsonObject spec, List<JsonObject> items)
    {
        if (items.Count == 0)
        {
            return;
        }

        var defaultLimits = new ResourceAmounts();
        var defaultRequests = new ResourceAmounts();
        foreach (var item in items)
        {
            foreach (var (name, q) in ResourceAmounts.Read(item.Obj("default")))
            {
                defaultLimits.TryAdd(name, q);
            }

            foreach (var (name, q) in ResourceAmounts.Read(item.Obj("defaultRequest")))
            {
                defaultRequests.TryAdd(name, q);
            }
        }

        var notes = new List<string>();
        foreach (var (key, kind) in new[] { ("containers", "container"), ("initContainers", "init container") })
        {
            foreach (var (_, container) in spec.Items(key))
            {
                var resources = container.EnsureObj("resources");
                var setLimits = Fill(resources, "limits", defaultLimits);
                var setRequests = Fill(resources, "requests", defaultRequests);
                if (resources.Count == 0)
                {
                    container.Remove("resources");
                }

                var containerName = container.StrOrEmpty("name");
                if (setRequests.Count > 0)
                {
                    notes.Add($"{string.Join(", ", setRequests)} request for {kind} {containerName}");
                }

                if (setLimits.Count > 0)
                {
                    notes.Add($"{string.Join(", ", setLimits)} limit for {kind} {containerName}");
                }
            }
        }

        if (notes.Count == 0)
        {
            return;
        }

        var meta = pod.EnsureObj("metadata");
        meta.EnsureObj("annotations")[Annotation] = "LimitRanger plugin set: " + string.Join("; ", notes);
        if (pod["status"] is JsonObject status && status["qosClass"] is not null)
        {
            status["qosClass"] = PodQos.Compute(spec);
        }
    }

    private static List<string> Fill(JsonObject resources, string listName, ResourceAmounts defaults)
    {
        var set = new List<string>();
        if (defaults.Count == 0)
        {
            return set;
        }

        var list = resources.EnsureObj(listName);
        foreach (var (name, q) in defaults.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (list[name] is null)
            {
                list[name] = q.ToString();
                set.Add(name);
            }
        }

        if (list.Count == 0)
        {
            resources.Remove(listName);
        }

        return set;
    }

    private static void ValidatePod(JsonObject spec, List<JsonObject> items, List<string> errors)
    {
        foreach (var item in items)
        {
            switch (item.StrOrEmpty("type"))
            {
                case "Container":
                    foreach (var key in new[] { "initContainers", "containers" })
                    {
                        foreach (var (_, container) in spec.Items(key))
                        {
                            var resources = container.Obj("resources");
                            Check(item, "Container", ResourceAmounts.Read(resources?.Obj("requests")), ResourceAmounts.Read(resources?.Obj("limits")), errors, ratio: true);
                        }
                    }

                    break;
                case "Pod":
                    Check(item, "Pod", PodResourceTotals.Requests(spec), PodResourceTotals.Limits(spec), errors, ratio: true);
                    break;
            }
        }
    }

    private static void Check(JsonObject item, string type, ResourceAmounts requests, ResourceAmounts limits, List<string> errors, bool ratio)
    {
        foreach (var (name, min) in ResourceAmounts.Read(item.Obj("min")))
        {
            var hasRequest = requests.TryGetValue(name, out var request);
            if (!hasRequest)
            {
                errors.Add($"minimum {name} usage per {type} is {min}.  No request is specified");
            }
            else if (request < min)
            {
                errors.Add($"minimum {name} usage per {type} is {min}, but request is {request}");
            }
            else if (limits.TryGetValue(name, out var limit) && limit < min)
            {
                errors.Add($"minimum {name} usage per {type} is {min}, but limit is {limit}");
            }
        }

        foreach (var (name, max) in ResourceAmounts.Read(item.Obj("max")))
        {
            if (!limits.TryGetValue(name, out var limit))
            {
                errors.Add($"maximum {name} usage per {type} is {max}.  No limit is specified");
            }
            else if (limit > max)
            {
                errors.Add($"maximum {name} usage per {type} is {max}, but limit is {limit}");
            }
            else if (requests.TryGetValue(name, out var request) && request > max)
            {
                errors.Add($"maximum {name} usage per {type} is {max}, but request is {request}");
            }
        }

        if (!ratio)
        {
            return;
        }

        foreach (var (name, enforced) in ResourceAmounts.Read(item.Obj("maxLimitRequestRatio")))
        {
            if (!requests.TryGetValue(name, out var request) || request.IsZero)
            {
                errors.Add($"{name} max limit to request ratio per {type} is {enforced}, but no request is specified or request is 0");
            }
            else if (!limits.TryGetValue(name, out var limit) || limit.IsZero)
            {
                errors.Add($"{name} max limit to request ratio per {type} is {enforced}, but no limit is specified or limit is 0");
            }
            else
            {
                var observed = (double)limit.MilliValue / request.MilliValue;
                if (observed * 1000 > enforced.MilliValue)
                {
                    errors.Add($"{name} max limit to request ratio per {type} is {enforced}, but provided ratio is {observed.ToString("F6", CultureInfo.InvariantCulture)}");
                }
            }
        }
    }
}
