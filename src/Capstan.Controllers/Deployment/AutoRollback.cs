using System.Globalization;
using System.Text.Json.Nodes;
using Capstan.Api.Validation;
using Capstan.Client.Dynamic;
using Capstan.Controllers.Pods;

namespace Capstan.Controllers.Deployment;

/// <summary>
/// Capstan's automatic rollback (beyond Kubernetes): a Deployment that opts in with <see cref="EnabledAnnotation"/> goes
/// back to its last good revision when the new ReplicaSet exceeds its progress deadline or one of its pods restarts
/// <see cref="MaxRestartsAnnotation"/> times. The rules here are pure; the controller acts on them.
/// </summary>
internal static class AutoRollback
{
    public const string EnabledAnnotation = "capstan.io/rollback-on-failure";
    public const string MaxRestartsAnnotation = "capstan.io/rollback-max-restarts";

    /// <summary>On a ReplicaSet rolled away from: why. Such a revision is never a rollback target again.</summary>
    public const string FailedAnnotation = "capstan.io/rollback-failed";

    /// <summary>On the Deployment: the pod-template-hash rolled back to; if that template fails too, no further rollback (no ping-pong).</summary>
    public const string RolledBackToAnnotation = "capstan.io/rolled-back-to";

    public const string ConditionType = "RolledBack";
    public const string ConditionReason = "RollbackOnFailure";
    public const int DefaultMaxRestarts = 3;

    public static bool IsEnabled(JsonObject d, bool byDefault)
    {
        var value = Annotation(d, EnabledAnnotation);
        return value is null ? byDefault : string.Equals(value, "true", StringComparison.OrdinalIgnoreCase);
    }

    public static int MaxRestarts(JsonObject d) =>
        int.TryParse(Annotation(d, MaxRestartsAnnotation), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : DefaultMaxRestarts;

    /// <summary>The sum of a pod's container restart counts (init containers included).</summary>
    public static int Restarts(JsonObject pod)
    {
        var status = pod["status"] as JsonObject;
        return Sum(status?["containerStatuses"] as JsonArray) + Sum(status?["initContainerStatuses"] as JsonArray);

        static int Sum(JsonArray? statuses) =>
            statuses?.OfType<JsonObject>().Sum(s => (int)(s.Long("restartCount") ?? 0)) ?? 0;
    }

    /// <summary>Why the new ReplicaSet counts as failed, or null: its progress deadline passed, or a pod restarted too often.</summary>
    public static string? FailureReason(JsonArray conditions, JsonObject newRs, IEnumerable<JsonObject> newPods, int maxRestarts)
    {
        var progressing = DeploymentConditions.Find(conditions, DeploymentConditions.Progressing);
        if (progressing?.StrOrEmpty("reason") == "ProgressDeadlineExceeded")
        {
            return $"ReplicaSet \"{newRs.GetName()}\" has timed out progressing";
        }

        var crashing = newPods.Select(p => (Pod: p, Restarts: Restarts(p))).Where(p => p.Restarts >= maxRestarts).OrderByDescending(p => p.Restarts).FirstOrDefault();
        return crashing.Pod is null ? null : $"pod \"{crashing.Pod.GetName()}\" of ReplicaSet \"{newRs.GetName()}\" restarted {crashing.Restarts} times";
    }

    /// <summary>The last good revision: the newest old ReplicaSet with a lower revision that was never rolled away from.</summary>
    public static JsonObject? FindTarget(JsonObject newRs, IEnumerable<JsonObject> old)
    {
        var current = DeploymentController.Revision(newRs);
        return old
            .Where(rs => DeploymentController.Revision(rs) is var r && r > 0 && r < current && RsAnnotation(rs, FailedAnnotation) is null)
            .OrderByDescending(DeploymentController.Revision)
            .FirstOrDefault();
    }

    /// <summary>The new ReplicaSet is itself a template we rolled back to: it failing too is reported, not rolled back again.</summary>
    public static bool IsRollbackTarget(JsonObject d, JsonObject newRs) =>
        Annotation(d, RolledBackToAnnotation) is { } hash && newRs["metadata"]?["labels"]?[PodTemplateHash.Label]?.GetValue<string>() == hash;

    /// <summary>The target's pod template without the pod-template-hash label, as kubectl rollout undo copies it.</summary>
    public static JsonObject TemplateOf(JsonObject rs)
    {
        var template = (rs["spec"]?["template"] as JsonObject)?.DeepClone().AsObject() ?? new JsonObject();
        (template["metadata"]?["labels"] as JsonObject)?.Remove(PodTemplateHash.Label);
        return template;
    }

    private static string? Annotation(JsonObject d, string key) => (d["metadata"]?["annotations"] as JsonObject)?[key]?.GetValue<string>();

    private static string? RsAnnotation(JsonObject rs, string key) => Annotation(rs, key);
}
