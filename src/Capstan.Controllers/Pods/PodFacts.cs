using System.Text.Json.Nodes;
using Capstan.Api.Validation;
using Capstan.Client.Dynamic;

namespace Capstan.Controllers.Pods;

/// <summary>What controllers read of a pod (untyped, as the caches hold it): phase, readiness, node, restarts.</summary>
internal static class PodFacts
{
    public static string Phase(JsonObject pod) => (pod["status"] as JsonObject)?.StrOrEmpty("phase") ?? "";

    public static string NodeName(JsonObject pod) => (pod["spec"] as JsonObject)?.StrOrEmpty("nodeName") ?? "";

    public static bool IsTerminal(JsonObject pod) => Phase(pod) is "Succeeded" or "Failed";

    /// <summary>Counts towards a controller's replicas: neither finished nor being deleted (Kubernetes' IsPodActive).</summary>
    public static bool IsActive(JsonObject pod) => !IsTerminal(pod) && !pod.IsBeingDeleted();

    public static JsonObject? Condition(JsonObject pod, string type) =>
        (pod["status"] as JsonObject)?.Items("conditions").Select(c => c.Item).FirstOrDefault(c => c.StrOrEmpty("type") == type);

    public static bool IsReady(JsonObject pod) => Condition(pod, "Ready")?.StrOrEmpty("status") == "True";

    /// <summary>When the pod last became Ready, or null when it is not ready.</summary>
    public static DateTimeOffset? ReadySince(JsonObject pod) =>
        Condition(pod, "Ready") is { } c && c.StrOrEmpty("status") == "True" ? Timestamps.Parse(c["lastTransitionTime"]) : null;

    /// <summary>Ready for at least <paramref name="minReadySeconds"/> (Kubernetes' IsPodAvailable).</summary>
    public static bool IsAvailable(JsonObject pod, long minReadySeconds, DateTimeOffset now)
    {
        if (!IsReady(pod))
        {
            return false;
        }

        if (minReadySeconds <= 0)
        {
            return true;
        }

        return ReadySince(pod) is { } since && since.AddSeconds(minReadySeconds) <= now;
    }

    public static int MaxRestarts(JsonObject pod) =>
        (pod["status"] as JsonObject)?.Items("containerStatuses").Select(c => (int)(c.Item.Long("restartCount") ?? 0)).DefaultIfEmpty(0).Max() ?? 0;

    public static IReadOnlyDictionary<string, string> Labels(JsonObject obj) =>
        Capstan.Api.Selectors.LabelSelector.ToDictionary(obj["metadata"]?["labels"] as JsonObject);
}
