using System.Text.Json.Nodes;
using Capstan.Api.Validation;
using Capstan.Client.Dynamic;
using Capstan.Controllers.Pods;

namespace Capstan.Controllers.StatefulSet;

internal enum StepKind
{
    Create,
    Delete,
}

/// <summary>One action of a sync: create the pod of an ordinal at a revision, or delete a pod.</summary>
internal sealed record StatefulSetStep(StepKind Kind, int Ordinal, string Revision, JsonObject? Pod);

/// <summary>
/// What one sync of a StatefulSet does, in Kubernetes' order: bring up missing and replace failed pods in [0, replicas)
/// lowest first, then remove pods at ordinals ≥ replicas highest first, then (RollingUpdate) replace the highest pod not on
/// the update revision down to the partition. OrderedReady stops at the first action or at the first pod not yet Running
/// and Ready; Parallel takes every create and delete at once (updates stay one at a time).
/// </summary>
internal sealed class StatefulSetPlan(JsonObject set, IReadOnlyList<JsonObject> pods, string currentRevision, string updateRevision)
{
    public IReadOnlyList<StatefulSetStep> Steps()
    {
        var spec = set["spec"] as JsonObject ?? new JsonObject();
        var replicas = (int)(spec.Long("replicas") ?? 1);
        var parallel = spec.StrOrEmpty("podManagementPolicy") == "Parallel";
        var strategy = spec["updateStrategy"] as JsonObject;
        var onDelete = strategy?.StrOrEmpty("type") == "OnDelete";
        var partition = onDelete ? 0 : (int)((strategy?["rollingUpdate"] as JsonObject)?.Long("partition") ?? 0);

        var byOrdinal = new Dictionary<int, JsonObject>();
        foreach (var pod in pods)
        {
            var ordinal = StatefulSetOrdinals.Parse(set.GetName(), pod.GetName());
            if (ordinal >= 0)
            {
                byOrdinal[ordinal] = pod;
            }
        }

        var steps = new List<StatefulSetStep>();
        for (var i = 0; i < replicas; i++)
        {
            if (!byOrdinal.TryGetValue(i, out var pod))
            {
                var revision = !onDelete && i < partition ? currentRevision : updateRevision;
                steps.Add(new StatefulSetStep(StepKind.Create, i, revision, null));
            }
            else if (PodFacts.IsTerminal(pod) && !pod.IsBeingDeleted())
            {
                // A failed or finished pod is replaced: deleted now, recreated on a later sync.
                steps.Add(new StatefulSetStep(StepKind.Delete, i, "", pod));
            }
            else if (!pod.IsBeingDeleted() && IsRunningAndReady(pod))
            {
                continue;
            }

            if (!parallel)
            {
                return steps;
            }
        }

        foreach (var (ordinal, pod) in byOrdinal.Where(p => p.Key >= replicas).OrderByDescending(p => p.Key))
        {
            if (!pod.IsBeingDeleted())
            {
                steps.Add(new StatefulSetStep(StepKind.Delete, ordinal, "", pod));
            }

            if (!parallel)
            {
                return steps;
            }
        }

        if (steps.Count > 0 || onDelete)
        {
            return steps;
        }

        foreach (var ordinal in StatefulSetOrdinals.UpdateOrder(replicas, partition))
        {
            if (!byOrdinal.TryGetValue(ordinal, out var pod))
            {
                return steps;
            }

            if (RevisionOf(pod) != updateRevision && !pod.IsBeingDeleted())
            {
                steps.Add(new StatefulSetStep(StepKind.Delete, ordinal, "", pod));
                return steps;
            }

            if (pod.IsBeingDeleted() || !IsRunningAndReady(pod))
            {
                return steps;
            }
        }

        return steps;
    }

    public static string RevisionOf(JsonObject pod) => PodFacts.Labels(pod).GetValueOrDefault(StatefulSetLabels.RevisionHash) ?? "";

    private static bool IsRunningAndReady(JsonObject pod) => PodFacts.Phase(pod) == "Running" && PodFacts.IsReady(pod);
}
