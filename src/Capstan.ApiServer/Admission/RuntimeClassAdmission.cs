using System.Text.Json.Nodes;
using Capstan.Api.Registry;
using Capstan.Api.Validation;
using Capstan.ApiServer.Caching;
using Capstan.ApiServer.Http;

namespace Capstan.ApiServer.Admission;

/// <summary>
/// Kubernetes' RuntimeClass plugin on pod creates: a pod naming a RuntimeClass gets the class's overhead as
/// <c>spec.overhead</c> and its node selector and tolerations merged into its own; an unknown class, an overhead that
/// differs from the class's, an overhead with no class defining one, or a node selector that contradicts the class's
/// is refused with 403 Forbidden and Kubernetes' message. Classes are read from the watch cache.
/// </summary>
public sealed class RuntimeClassAdmission(WatchCache cache) : IMutatingAdmission
{
    public string Name => "RuntimeClass";

    public void AdmitCreate(ResourceInfo resource, JsonObject obj)
    {
        if (resource.Group.Length != 0 || resource.Kind != "Pod" || obj["spec"] is not JsonObject spec)
        {
            return;
        }

        var podName = JsonAccess.AsString(obj["metadata"]?["name"]) ?? "";
        var className = JsonAccess.AsString(spec["runtimeClassName"]) ?? "";
        var runtimeClass = className.Length == 0 ? null
            : Find(className) ?? throw Forbidden(podName, $"pod rejected: RuntimeClass \"{className}\" not found");

        var podOverhead = spec.Obj("overhead");
        if (runtimeClass?.Obj("overhead")?.Obj("podFixed") is { } podFixed)
        {
            if (podOverhead is not null && !SameQuantities(podFixed, podOverhead))
            {
                throw Forbidden(podName, "pod rejected: Pod's Overhead doesn't match RuntimeClass's defined Overhead");
            }

            spec["overhead"] = podFixed.DeepClone();
        }
        else if (podOverhead is not null)
        {
            throw Forbidden(podName, "pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead");
        }

        if (runtimeClass?.Obj("scheduling") is { } scheduling)
        {
            MergeScheduling(podName, spec, scheduling);
        }
    }

    private static void MergeScheduling(string podName, JsonObject spec, JsonObject scheduling)
    {
        if (scheduling.Obj("nodeSelector") is { Count: > 0 } classSelector)
        {
            if (spec.Obj("nodeSelector") is not { } podSelector)
            {
                spec["nodeSelector"] = podSelector = [];
            }

            foreach (var (key, value) in classSelector)
            {
                var classValue = JsonAccess.AsString(value) ?? "";
                if (JsonAccess.AsString(podSelector[key]) is { } podValue && podValue != classValue)
                {
                    throw Forbidden(podName, $"conflict: runtimeClass.scheduling.nodeSelector[{key}] = {classValue}; pod.spec.nodeSelector[{key}] = {podValue}");
                }

                podSelector[key] = classValue;
            }
        }

        if (scheduling["tolerations"] is JsonArray { Count: > 0 } classTolerations)
        {
            if (spec["tolerations"] is not JsonArray podTolerations)
            {
                spec["tolerations"] = podTolerations = [];
            }

            foreach (var toleration in classTolerations)
            {
                if (!podTolerations.Any(t => JsonNode.DeepEquals(t, toleration)))
                {
                    podTolerations.Add(toleration?.DeepClone());
                }
            }
        }
    }

    // Semantic equality of two resource lists, as Kubernetes compares them: the same names, equal quantities (1 == 1000m).
    private static bool SameQuantities(JsonObject a, JsonObject b)
    {
        if (a.Count != b.Count)
        {
            return false;
        }

        foreach (var (name, value) in a)
        {
            if (!ResourceListValidation.TryGetQuantity(value, out var left) || !ResourceListValidation.TryGetQuantity(b[name], out var right)
                || left.CompareTo(right) != 0)
            {
                return false;
            }
        }

        return true;
    }

    private JsonObject? Find(string name) =>
        cache.Registry.FindKind("node.k8s.io", "RuntimeClass") is { } classes
        && cache.For(classes).Get(classes.StorageKey(null, name)) is { } cached
            ? JsonNode.Parse(cached.Json) as JsonObject
            : null;

    private static ApiException Forbidden(string podName, string why) =>
        ApiException.Forbidden($"pods \"{podName}\" is forbidden: {why}", "pods", podName);
}
