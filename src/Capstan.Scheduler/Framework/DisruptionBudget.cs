using System.Text.Json.Nodes;
using Capstan.Api.Selectors;
using Capstan.Api.Validation;
using Capstan.Client.Dynamic;

namespace Capstan.Scheduler.Framework;

/// <summary>
/// What preemption reads of a PodDisruptionBudget: the pods it selects (in its namespace; an empty selector selects none,
/// as the policy/v1 semantics kube-scheduler applies), how many disruptions its status still allows, and the pods the
/// eviction API has already counted against it (status.disruptedPods).
/// </summary>
public sealed record DisruptionBudget(string Namespace, LabelSelector Selector, int DisruptionsAllowed, IReadOnlySet<string> DisruptedPods)
{
    public static DisruptionBudget Parse(JsonObject pdb)
    {
        var selector = LabelSelector.TryFromObject(pdb["spec"]?["selector"], out var s, out _) && !s.IsEmpty ? s : LabelSelector.Nothing;
        var status = pdb.Obj("status");
        var disrupted = (status?.Obj("disruptedPods") ?? []).Select(p => p.Key).ToHashSet(StringComparer.Ordinal);
        return new DisruptionBudget(pdb.GetNamespace(), selector, (int)(status?.Long("disruptionsAllowed") ?? 0), disrupted);
    }

    public bool Selects(PodInfo pod) => pod.Namespace == Namespace && !Selector.MatchesNothing && Selector.Matches(pod.Labels);
}
