namespace Capstan.Scheduler.Cache;

/// <summary>Which of a placed pod's term lists a term comes from: it decides what the term does to an incoming pod.</summary>
public enum ExistingTermKind
{
    /// <summary>Required anti-affinity: the incoming pod may not join the domain.</summary>
    RequiredAntiAffinity,

    /// <summary>Required affinity: scores the domain for the incoming pod at kube-scheduler's hardPodAffinityWeight.</summary>
    RequiredAffinity,

    PreferredAffinity,

    PreferredAntiAffinity,
}
