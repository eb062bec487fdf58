using k8s.Models;

namespace Capstan.Agent.Eviction;

/// <summary>
/// What an evicted pod's status gets: phase Failed, reason Evicted, the message, and (for node-pressure evictions) the
/// DisruptionTarget condition with reason TerminationByKubelet.
/// </summary>
public sealed record PodEviction(string Message, bool DisruptionTarget)
{
    public const string Reason = "Evicted";

    public V1PodCondition? Condition(DateTime now) => DisruptionTarget
        ? new V1PodCondition
        {
            Type = "DisruptionTarget",
            Status = "True",
            Reason = "TerminationByKubelet",
            Message = Message,
            LastTransitionTime = now,
        }
        : null;
}
