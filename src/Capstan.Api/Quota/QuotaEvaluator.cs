using System.Text.Json.Nodes;
using Capstan.Api.Kinds.Core;
using Capstan.Api.Validation;

namespace Capstan.Api.Quota;

/// <summary>
/// What an object counts against a ResourceQuota (Kubernetes' quota evaluators), shared by the quota admission and the
/// quota controller. Resources are keyed by group-resource ("pods", "deployments.apps").
/// </summary>
public static class QuotaEvaluator
{
    private const string StorageClassSuffix = ".storageclass.storage.k8s.io/";

    private static readonly string[] ObjectCountResources = ["secrets", "configmaps", "replicationcontrollers", "resourcequotas"];

    // Quota on these makes every container say how much it wants (Kubernetes keeps this for backward compatibility).
    private static readonly string[] RequiredPerContainer = ["cpu", "limits.cpu", "limits.memory", "memory", "requests.cpu", "requests.memory"];

    /// <summary>The group-resource whose objects a quota resource name counts, or null for a name no evaluator tracks.</summary>
    /// <example>"requests.cpu" → "pods"; "count/deployments.apps" → "deployments.apps"; "gold.storageclass.storage.k8s.io/requests.storage" → "persistentvolumeclaims".</example>
    public static string? GroupResourceOf(string quotaResource)
    {
        if (quotaResource.StartsWith("count/", StringComparison.Ordinal))
        {
            return quotaResource["count/".Length..];
        }

        if (quotaResource.Contains(StorageClassSuffix, StringComparison.Ordinal) || quotaResource is "persistentvolumeclaims" or "requests.storage")
        {
            return "persistentvolumeclaims";
        }

        if (quotaResource is "services" or "services.nodeports" or "services.loadbalancers")
        {
            return "services";
        }

        if (ObjectCountResources.Contains(quotaResource))
        {
            return quotaResource;
        }

        if (quotaResource is "pods" or "cpu" or "memory" or "ephemeral-storage"
            || quotaResource.StartsWith("requests.", StringComparison.Ordinal) || quotaResource.StartsWith("limits.", StringComparison.Ordinal)
            || quotaResource.StartsWith("hugepages-", StringComparison.Ordinal))
        {
            return "pods";
        }

        return null;
    }

    /// <summary>The names in <paramref name="hard"/> that objects of <paramref name="groupResource"/> count against.</summary>
    public static List<string> Covered(string groupResource, IEnumerable<string> hard) =>
        [.. hard.Where(name => GroupResourceOf(name) == groupResource).Order(StringComparer.Ordinal)];

    /// <summary>Whether the object uses quota at all: pods that finished (Succeeded, Failed) no longer do.</summary>
    public static bool Counts(string groupResource, JsonObject obj) =>
        groupResource != "pods" || obj.Obj("status")?.StrOrEmpty("phase") is not ("Succeeded" or "Failed");

    /// <summary>What the object uses, by quota resource name.</summary>
    public static ResourceAmounts Usage(string groupResource, JsonObject obj)
    {
        var usage = new ResourceAmounts { ["count/" + groupResource] = One };
        var spec = obj.Obj("spec") ?? new JsonObject();
        switch (groupResource)
        {
            case "pods":
                usage["pods"] = One;
                AddPodCompute(usage, PodResourceTotals.Requests(spec, withOverhead: true), PodResourceTotals.Limits(spec, withOverhead: true));
                break;
            case "services":
                usage["services"] = One;
                var ports = spec.Arr("ports")?.Count ?? 0;
                switch (spec.StrOrEmpty("type"))
                {
                    case "NodePort":
                        usage["services.nodeports"] = Quantity.FromInteger(ports);
                        break;
                    case "LoadBalancer":
                        var nodePorts = spec.Bool("allocateLoadBalancerNodePorts") == false
                            ? spec.Items("ports").Count(p => p.Item.Long("nodePort") is > 0)
                            : ports;
                        usage["services.nodeports"] = Quantity.FromInteger(nodePorts);
                        usage["services.loadbalancers"] = One;
                        break;
                }

                break;
            case "persistentvolumeclaims":
                usage["persistentvolumeclaims"] = One;
                var className = spec.Str("storageClassName") ?? JsonAccess.AsString(obj["metadata"]?["annotations"]?["volume.beta.kubernetes.io/storage-class"]) ?? "";
                if (className.Length > 0)
                {
                    usage[className + StorageClassSuffix + "persistentvolumeclaims"] = One;
                }

                if (ResourceListValidation.TryGetQuantity(spec.Obj("resources")?.Obj("requests")?["storage"], out var storage))
                {
                    usage["requests.storage"] = storage;
                    if (className.Length > 0)
                    {
                        usage[className + StorageClassSuffix + "requests.storage"] = storage;
                    }
                }

                break;
            default:
                if (ObjectCountResources.Contains(groupResource))
                {
                    usage[groupResource] = One;
                }

                break;
        }

        return usage;
    }

    /// <summary>
    /// Whether a quota with these scopes and scopeSelector tracks the object. Scopes only ever select pods: a scoped quota
    /// matches no other kind.
    /// </summary>
    public static bool MatchesScopes(JsonObject? quotaSpec, string groupResource, JsonObject obj)
    {
        var scopes = quotaSpec?.Strings("scopes") ?? [];
        var expressions = quotaSpec?.Obj("scopeSelector")?.Arr("matchExpressions")?.OfType<JsonObject>().ToList() ?? [];
        if (scopes.Count == 0 && expressions.Count == 0)
        {
            return true;
        }

        if (groupResource != "pods")
        {
            return false;
        }

        var spec = obj.Obj("spec") ?? new JsonObject();
        foreach (var scope in scopes)
        {
            if (!PodInScope(scope, spec))
            {
                return false;
            }
        }

        foreach (var expression in expressions)
        {
            var scope = expression.StrOrEmpty("scopeName");
            var values = expression.Strings("values");
            var className = spec.StrOrEmpty("priorityClassName");
            var matches = expression.StrOrEmpty("operator") switch
            {
                "In" => scope == "PriorityClass" ? values.Contains(className) : PodInScope(scope, spec),
                "NotIn" => scope == "PriorityClass" ? !values.Contains(className) : !PodInScope(scope, spec),
                "Exists" => PodInScope(scope, spec),
                "DoesNotExist" => !PodInScope(scope, spec),
                _ => false,
            };
            if (!matches)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Kubernetes' "must specify" rule: when a quota covers cpu or memory, every container and init container must set the
    /// request or limit it covers. Returns the message, or null when every container complies.
    /// </summary>
    /// <example>"must specify limits.cpu for: web; requests.memory for: sidecar,web"</example>
    public static string? MissingPodResources(JsonObject spec, IEnumerable<string> covered)
    {
        var required = covered.Where(RequiredPerContainer.Contains).ToHashSet(StringComparer.Ordinal);
        if (required.Count == 0)
        {
            return null;
        }

        var missing = new SortedDictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        foreach (var key in new[] { "containers", "initContainers" })
        {
            foreach (var (_, container) in spec.Items(key))
            {
                var resources = container.Obj("resources");
                var usage = new ResourceAmounts();
                AddPodCompute(usage, ResourceAmounts.Read(resources?.Obj("requests")), ResourceAmounts.Read(resources?.Obj("limits")));
                foreach (var name in required.Where(r => !usage.ContainsKey(r)))
                {
                    if (!missing.TryGetValue(name, out var containers))
                    {
                        containers = new SortedSet<string>(StringComparer.Ordinal);
                        missing[name] = containers;
                    }

                    containers.Add(container.StrOrEmpty("name"));
                }
            }
        }

        return missing.Count == 0
            ? null
            : "must specify " + string.Join("; ", missing.Select(m => $"{m.Key} for: {string.Join(",", m.Value)}"));
    }

    private static Quantity One => Quantity.FromInteger(1);

    private static void AddPodCompute(ResourceAmounts usage, ResourceAmounts requests, ResourceAmounts limits)
    {
        foreach (var (name, amount) in requests)
        {
            if (name is "cpu" or "memory" or "ephemeral-storage")
            {
                usage[name] = amount;
                usage["requests." + name] = amount;
            }
            else if (name.StartsWith("hugepages-", StringComparison.Ordinal) || name.Contains('/'))
            {
                usage["requests." + name] = amount;
            }
        }

        foreach (var (name, amount) in limits)
        {
            if (name is "cpu" or "memory" or "ephemeral-storage")
            {
                usage["limits." + name] = amount;
            }
        }
    }

    private static bool PodInScope(string scope, JsonObject spec) => scope switch
    {
        "Terminating" => spec.Long("activeDeadlineSeconds") is >= 0,
        "NotTerminating" => spec.Long("activeDeadlineSeconds") is not >= 0,
        "BestEffort" => PodQos.Compute(spec) == "BestEffort",
        "NotBestEffort" => PodQos.Compute(spec) != "BestEffort",
        "PriorityClass" => spec.StrOrEmpty("priorityClassName").Length > 0,
        "CrossNamespacePodAffinity" => UsesCrossNamespaceAffinity(spec),
        _ => false,
    };

    private static bool UsesCrossNamespaceAffinity(JsonObject spec)
    {
        foreach (var kind in new[] { "podAffinity", "podAntiAffinity" })
        {
            var affinity = spec.Obj("affinity")?.Obj(kind);
            if (affinity is null)
            {
                continue;
            }

            var terms = affinity.Items("requiredDuringSchedulingIgnoredDuringExecution").Select(t => t.Item)
                .Concat(affinity.Items("preferredDuringSchedulingIgnoredDuringExecution").Select(t => t.Item.Obj("podAffinityTerm") ?? new JsonObject()));
            if (terms.Any(t => t.HasEntries("namespaces") || t["namespaceSelector"] is not null))
            {
                return true;
            }
        }

        return false;
    }
}
