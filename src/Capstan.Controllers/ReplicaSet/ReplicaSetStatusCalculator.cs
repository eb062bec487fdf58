using System.Text.Json.Nodes;
using Capstan.Api.Validation;
using Capstan.Client.Dynamic;
using Capstan.Controllers.Pods;

namespace Capstan.Controllers.ReplicaSet;

/// <summary>A ReplicaSet's status from the active pods it controls (Kubernetes' calculateStatus), zero counts omitted as Go's omitempty does.</summary>
internal static class ReplicaSetStatusCalculator
{
    public const string ReplicaFailure = "ReplicaFailure";

    public static JsonObject Calculate(JsonObject rs, IReadOnlyCollection<JsonObject> pods, string? createFailure, DateTimeOffset now)
    {
        var spec = rs["spec"] as JsonObject ?? new JsonObject();
        var minReady = spec.Long("minReadySeconds") ?? 0;
        var templateLabels = PodFacts.Labels(spec["template"] as JsonObject ?? new JsonObject());
        var fullyLabeled = 0;
        var ready = 0;
        var available = 0;
        foreach (var pod in pods)
        {
            var labels = PodFacts.Labels(pod);
            if (templateLabels.All(l => labels.TryGetValue(l.Key, out var v) && v == l.Value))
            {
                fullyLabeled++;
            }

            if (PodFacts.IsReady(pod))
            {
                ready++;
                if (PodFacts.IsAvailable(pod, minReady, now))
                {
                    available++;
                }
            }
        }

        var status = new JsonObject { ["replicas"] = pods.Count };
        AddIfPositive(status, "fullyLabeledReplicas", fullyLabeled);
        AddIfPositive(status, "readyReplicas", ready);
        AddIfPositive(status, "availableReplicas", available);
        AddIfPositive(status, "observedGeneration", (rs["metadata"] as JsonObject)?.Long("generation") ?? 0);

        var old = (rs["status"] as JsonObject)?.Items("conditions").Select(c => c.Item).ToList() ?? [];
        var conditions = old.Where(c => c.StrOrEmpty("type") != ReplicaFailure).Select(c => c.DeepClone()).ToList();
        if (createFailure is not null)
        {
            var existing = old.FirstOrDefault(c => c.StrOrEmpty("type") == ReplicaFailure);
            conditions.Add(existing?.DeepClone() ?? new JsonObject
            {
                ["type"] = ReplicaFailure,
                ["status"] = "True",
                ["lastTransitionTime"] = Timestamps.Format(now),
                ["reason"] = "FailedCreate",
                ["message"] = createFailure,
            });
        }

        if (conditions.Count > 0)
        {
            status["conditions"] = new JsonArray([.. conditions]);
        }

        return status;
    }

    private static void AddIfPositive(JsonObject status, string field, long value)
    {
        if (value > 0)
        {
            status[field] = value;
        }
    }
}
