using System.Text.Json.Nodes;
using Capstan.Api.Validation;
using Capstan.Client.Dynamic;
using Capstan.Controllers.Pods;
using Capstan.Controllers.Resources;

namespace Capstan.Controllers.Deployment;

/// <summary>A Deployment's status from its ReplicaSets (Kubernetes' calculateStatus and syncRolloutStatus).</summary>
internal static class DeploymentStatusCalculator
{
    public const string NewReplicaSetAvailable = "NewReplicaSetAvailable";
    public const string ReplicaFailure = "ReplicaFailure";

    /// <summary>The status, and when to look again for a rollout that could exceed its progress deadline.</summary>
    public static (JsonObject Status, TimeSpan? Requeue) Calculate(
        JsonObject d, JsonObject? newRs, IReadOnlyList<JsonObject> all, int maxUnavailable, string? progress, DateTimeOffset now)
    {
        var spec = d["spec"] as JsonObject ?? new JsonObject();
        var desired = (int)(spec.Long("replicas") ?? 1);
        var old = d["status"] as JsonObject ?? new JsonObject();
        var replicas = all.Sum(r => StatusCount(r, "replicas"));
        var updated = newRs is null ? 0 : StatusCount(newRs, "replicas");
        var ready = all.Sum(r => StatusCount(r, "readyReplicas"));
        var available = all.Sum(r => StatusCount(r, "availableReplicas"));
        var unavailable = Math.Max(0, all.Sum(DeploymentController.Replicas) - available);
        var generation = (d["metadata"] as JsonObject)?.Long("generation") ?? 0;
        var status = new JsonObject
        {
            ["observedGeneration"] = generation,
            ["replicas"] = replicas,
            ["updatedReplicas"] = updated,
            ["readyReplicas"] = ready,
            ["availableReplicas"] = available,
            ["unavailableReplicas"] = unavailable,
        };
        if (old.Long("collisionCount") is { } collisions)
        {
            status["collisionCount"] = collisions;
        }

        var conditions = (old["conditions"] as JsonArray)?.DeepClone().AsArray() ?? [];
        if (available >= desired - maxUnavailable)
        {
            DeploymentConditions.Set(conditions, DeploymentConditions.Available, "True", "MinimumReplicasAvailable", "Deployment has minimum availability.", now);
        }
        else
        {
            DeploymentConditions.Set(conditions, DeploymentConditions.Available, "False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability.", now);
        }

        if (progress is not null)
        {
            var reason = progress.StartsWith("Created", StringComparison.Ordinal) ? "NewReplicaSetCreated" : "FoundNewReplicaSet";
            DeploymentConditions.Set(conditions, DeploymentConditions.Progressing, "True", reason, progress, now);
        }

        // ReplicaFailure mirrors the new ReplicaSet's (else an old one's), and goes when none has it.
        var failure = (newRs is null ? [] : new[] { newRs }).Concat(all.Where(r => !ReferenceEquals(r, newRs)))
            .Select(r => (r["status"]?["conditions"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(c => c.StrOrEmpty("type") == ReplicaFailure))
            .FirstOrDefault(c => c is not null);
        if (failure is not null)
        {
            DeploymentConditions.Set(conditions, ReplicaFailure, failure.StrOrEmpty("status"), failure.StrOrEmpty("reason"), failure.StrOrEmpty("message"), now);
        }
        else if (DeploymentConditions.Find(conditions, ReplicaFailure) is { } stale)
        {
            conditions.Remove(stale);
        }

        // Kubernetes' checkPausedConditions: a paused rollout does not progress nor time out.
        var paused = spec.Bool("paused") == true;
        var pausedNow = DeploymentConditions.Find(conditions, DeploymentConditions.Progressing)?.StrOrEmpty("reason") == "DeploymentPaused";
        if (paused && !pausedNow)
        {
            DeploymentConditions.Set(conditions, DeploymentConditions.Progressing, "Unknown", "DeploymentPaused", "Deployment is paused", now);
        }
        else if (!paused && pausedNow)
        {
            DeploymentConditions.Set(conditions, DeploymentConditions.Progressing, "Unknown", "DeploymentResumed", "Deployment is resumed", now);
        }

        TimeSpan? requeue = null;
        var deadline = !paused && spec.Long("progressDeadlineSeconds") is { } seconds && seconds < int.MaxValue ? TimeSpan.FromSeconds(seconds) : (TimeSpan?)null;
        var current = DeploymentConditions.Find(conditions, DeploymentConditions.Progressing);
        var alreadyComplete = replicas == updated && current?.StrOrEmpty("reason") == NewReplicaSetAvailable;
        if (deadline is { } limit && !alreadyComplete && newRs is not null)
        {
            var name = newRs.GetName();
            var complete = updated == desired && replicas == desired && available == desired;
            var progressing = updated > (old.Long("updatedReplicas") ?? 0)
                || replicas - updated < (old.Long("replicas") ?? 0) - (old.Long("updatedReplicas") ?? 0)
                || ready > (old.Long("readyReplicas") ?? 0)
                || available > (old.Long("availableReplicas") ?? 0);
            if (complete)
            {
                DeploymentConditions.Set(conditions, DeploymentConditions.Progressing, "True", NewReplicaSetAvailable, $"ReplicaSet \"{name}\" has successfully progressed.", now);
            }
            else if (progressing)
            {
                DeploymentConditions.Set(conditions, DeploymentConditions.Progressing, "True", "ReplicaSetUpdated", $"ReplicaSet \"{name}\" is progressing.", now, touch: true);
            }
            else if (current is not null && current.StrOrEmpty("status") != "False" && Timestamps.Parse(current["lastUpdateTime"]) is { } last && last + limit < now)
            {
                DeploymentConditions.Set(conditions, DeploymentConditions.Progressing, "False", "ProgressDeadlineExceeded", $"ReplicaSet \"{name}\" has timed out progressing.", now);
            }

            var after = DeploymentConditions.Find(conditions, DeploymentConditions.Progressing);
            if (!complete && after is not null && after.StrOrEmpty("status") != "False" && Timestamps.Parse(after["lastUpdateTime"]) is { } updatedAt)
            {
                // Nothing else will wake the controller when a stuck rollout passes its deadline: look again just after it.
                requeue = updatedAt + limit - now + TimeSpan.FromSeconds(1);
            }
        }

        if (conditions.Count > 0)
        {
            status["conditions"] = conditions;
        }

        return (status, requeue);
    }

    public static bool Differs(JsonObject d, JsonObject status) => StatusDiff.Differs(d, status);

    private static int StatusCount(JsonObject rs, string field) => (int)((rs["status"] as JsonObject)?.Long(field) ?? 0);
}
