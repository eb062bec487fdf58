using System.Text.Json.Nodes;
using Capstan.Api.Registry;
using Capstan.Api.Validation;
using Capstan.ApiServer.Caching;
using Capstan.ApiServer.Http;

namespace Capstan.ApiServer.Admission;

/// <summary>
/// Kubernetes' Priority plugin: a new pod gets <c>spec.priority</c> and <c>spec.preemptionPolicy</c> from the PriorityClass it
/// names, or from the global default class (the lowest-valued one if a race left several) when it names none, or 0 and
/// PreemptLowerPriority without a default. An unknown class, or a priority or policy in the pod that differs from the
/// computed one, is refused with 403 Forbidden. Classes are read from the watch cache; the two system classes are
/// known even before <see cref="SystemPriorityClasses"/> has stored them.
/// </summary>
public sealed class PriorityAdmission(WatchCache cache) : IMutatingAdmission
{
    public const string DefaultPreemptionPolicy = "PreemptLowerPriority";

    // The global default as of a cache version: most pods name no class, and the classes rarely change.
    // A reference, so that concurrent creates read and replace it whole.
    private GlobalDefaultMemo _globalDefault = new(-1, null);

    public string Name => "Priority";

    public void AdmitCreate(ResourceInfo resource, JsonObject obj)
    {
        if (resource.Group.Length != 0 || resource.Kind != "Pod" || obj["spec"] is not JsonObject spec)
        {
            return;
        }

        var className = JsonAccess.AsString(spec["priorityClassName"]) ?? "";
        var podName = JsonAccess.AsString(obj["metadata"]?["name"]) ?? "";
        long priority;
        string policy;
        if (className.Length == 0)
        {
            var global = FindGlobalDefault();
            priority = global?.Value ?? 0;
            policy = global?.PreemptionPolicy ?? DefaultPreemptionPolicy;
            if (global is not null)
            {
                spec["priorityClassName"] = global.Name;
            }
        }
        else
        {
            var found = Find(className)
                ?? throw Forbidden(podName, $"no PriorityClass with name {className} was found");
            priority = found.Value;
            policy = found.PreemptionPolicy;
        }

        if (JsonAccess.AsLong(spec["priority"]) is { } given && given != priority)
        {
            throw Forbidden(podName,
                $"the integer value of priority ({given}) must not be provided in pod spec; priority admission controller computed {priority} from the given PriorityClass name");
        }

        if (JsonAccess.AsString(spec["preemptionPolicy"]) is { Length: > 0 } givenPolicy && givenPolicy != policy)
        {
            throw Forbidden(podName,
                $"the string value of PreemptionPolicy ({givenPolicy}) must not be provided in pod spec; priority admission controller computed {policy} from the given PriorityClass name");
        }

        spec["priority"] = priority;
        spec["preemptionPolicy"] = policy;
    }

    private static ApiException Forbidden(string podName, string why) =>
        ApiException.Forbidden($"pods \"{podName}\" is forbidden: {why}", "pods", podName);

    private PriorityClassInfo? Find(string name)
    {
        if (cache.Registry.FindKind("scheduling.k8s.io", "PriorityClass") is { } classes
            && cache.For(classes).Get(classes.StorageKey(null, name)) is { } cached)
        {
            return PriorityClassInfo.Parse(cached.Json);
        }

        return SystemPriorityClasses.Values.TryGetValue(name, out var value) ? new PriorityClassInfo(name, value, DefaultPreemptionPolicy, false) : null;
    }

    private sealed record GlobalDefaultMemo(long Version, PriorityClassInfo? Class);

    private PriorityClassInfo? FindGlobalDefault()
    {
        if (cache.Registry.FindKind("scheduling.k8s.io", "PriorityClass") is not { } classes)
        {
            return null;
        }

        var classCache = cache.For(classes);
        var version = classCache.Version;
        var memo = _globalDefault;
        if (memo.Version == version)
        {
            return memo.Class;
        }

        PriorityClassInfo? best = null;
        foreach (var cached in classCache.List(classes.StoragePrefix))
        {
            if (PriorityClassInfo.Parse(cached.Json) is { GlobalDefault: true } candidate && (best is null || candidate.Value < best.Value))
            {
                best = candidate;
            }
        }

        _globalDefault = new GlobalDefaultMemo(version, best);
        return best;
    }
}
