using System.Text.Json.Nodes;
using Capstan.ApiServer.Http;
using Capstan.ApiServer.Objects;

namespace Capstan.ApiServer.Streaming;

/// <summary>Which container of a pod a streaming request means, and whether it can serve it yet, worded as Kubernetes words it.</summary>
internal static class PodContainers
{
    /// <summary>Init containers, containers, then ephemeral containers: the order Kubernetes lists them in.</summary>
    public static List<string> Names(JsonObject pod)
    {
        var spec = pod["spec"] as JsonObject;
        return new[] { "initContainers", "containers", "ephemeralContainers" }
            .SelectMany(field => spec?[field] as JsonArray ?? [])
            .OfType<JsonObject>()
            .Select(c => ObjectMeta.Str(c["name"]))
            .Where(n => n.Length > 0)
            .ToList();
    }

    /// <summary>The named container, or the only one when none is named.</summary>
    /// <exception cref="ApiException">400 when the name is missing and ambiguous, or names no container of the pod.</exception>
    public static string Resolve(JsonObject pod, string requested)
    {
        var name = ObjectMeta.Name(pod);
        var all = Names(pod);
        if (requested.Length > 0)
        {
            return all.Contains(requested)
                ? requested
                : throw ApiException.BadRequest($"container {requested} is not valid for pod {name}");
        }

        var containers = (pod["spec"]?["containers"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        return containers.Count switch
        {
            1 => ObjectMeta.Str(containers[0]["name"]),
            0 => throw ApiException.BadRequest($"a container name must be specified for pod {name}"),
            _ => throw ApiException.BadRequest($"a container name must be specified for pod {name}, choose one of: [{string.Join(' ', all)}]"),
        };
    }

    /// <summary>The checks the kubelet makes before serving logs, from the pod's reported status.</summary>
    /// <exception cref="ApiException">400 when the container has not started (or has no previous instance).</exception>
    public static void EnsureLogsAvailable(JsonObject pod, string container, bool previous)
    {
        var name = ObjectMeta.Name(pod);
        if (ObjectMeta.Str(pod["spec"]?["nodeName"]).Length == 0)
        {
            throw ApiException.BadRequest($"container \"{container}\" in pod \"{name}\" is waiting to start: ContainerCreating");
        }

        var status = FindStatus(pod, container);
        if (status is null)
        {
            // Nothing reported yet: the agent knows better.
            return;
        }

        var terminatedBefore = status["lastState"]?["terminated"] is JsonObject;
        if (previous)
        {
            if (!terminatedBefore)
            {
                throw ApiException.BadRequest($"previous terminated container \"{container}\" in pod \"{name}\" not found");
            }

            return;
        }

        if (status["state"]?["waiting"] is JsonObject waiting && !terminatedBefore)
        {
            var reason = ObjectMeta.Str(waiting["reason"]);
            throw ApiException.BadRequest($"container \"{container}\" in pod \"{name}\" is waiting to start: {(reason.Length == 0 ? "ContainerCreating" : reason)}");
        }
    }

    /// <summary>Exec, attach and port-forward need a pod that is on a node and not finished.</summary>
    public static void EnsureRunnable(JsonObject pod, string verbPhrase)
    {
        var name = ObjectMeta.Name(pod);
        var phase = ObjectMeta.Str(pod["status"]?["phase"]);
        if (phase is "Succeeded" or "Failed")
        {
            throw ApiException.BadRequest($"cannot {verbPhrase} a container in a completed pod; current phase is {phase}");
        }

        if (ObjectMeta.Str(pod["spec"]?["nodeName"]).Length == 0)
        {
            throw ApiException.BadRequest($"pod {name} does not have a host assigned");
        }
    }

    private static JsonObject? FindStatus(JsonObject pod, string container) =>
        new[] { "initContainerStatuses", "containerStatuses", "ephemeralContainerStatuses" }
            .SelectMany(field => pod["status"]?[field] as JsonArray ?? [])
            .OfType<JsonObject>()
            .FirstOrDefault(s => ObjectMeta.Str(s["name"]) == container);
}
