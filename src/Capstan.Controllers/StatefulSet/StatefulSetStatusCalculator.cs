using System.Text.Json.Nodes;
using Capstan.Api.Validation;
using Capstan.Client.Dynamic;
using Capstan.Controllers.Pods;

namespace Capstan.Controllers.StatefulSet;

/// <summary>The status a StatefulSet reports for its pods; a finished rollout makes the update revision current.</summary>
internal static class StatefulSetStatusCalculator
{
    public static JsonObject Calculate(JsonObject set, List<JsonObject> pods, string currentRevision, string updateRevision, long? collisionCount, DateTimeOffset now)
    {
        var spec = set["spec"] as JsonObject ?? new JsonObject();
        var wanted = spec.Long("replicas") ?? 1;
        var minReady = spec.Long("minReadySeconds") ?? 0;
        long replicas = 0, ready = 0, available = 0, current = 0, updated = 0;
        foreach (var pod in pods.Where(p => !p.IsBeingDeleted() && !PodFacts.IsTerminal(p)))
        {
            replicas++;
            if (PodFacts.Phase(pod) == "Running" && PodFacts.IsReady(pod))
            {
                ready++;
                if (PodFacts.IsAvailable(pod, minReady, now))
                {
                    available++;
                }
            }

            var revision = PodFacts.Labels(pod).GetValueOrDefault(StatefulSetLabels.RevisionHash);
            if (revision == currentRevision)
            {
                current++;
            }

            if (revision == updateRevision)
            {
                updated++;
            }
        }

        if (currentRevision != updateRevision && updated == wanted && ready == wanted && replicas == wanted)
        {
            currentRevision = updateRevision;
            current = updated;
        }

        var status = (set["status"] as JsonObject)?.DeepCopy() ?? new JsonObject();
        status["observedGeneration"] = set["metadata"]?["generation"]?.DeepClone() ?? 0;
        status["replicas"] = replicas;
        status["readyReplicas"] = ready;
        status["currentReplicas"] = current;
        status["updatedReplicas"] = updated;
        status["availableReplicas"] = available;
        status["currentRevision"] = currentRevision;
        status["updateRevision"] = updateRevision;
        if (collisionCount is { } c)
        {
            status["collisionCount"] = c;
        }

        return status;
    }
}
