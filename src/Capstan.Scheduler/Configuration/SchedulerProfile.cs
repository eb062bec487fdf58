using Capstan.Scheduler.Framework;

namespace Capstan.Scheduler.Configuration;

/// <summary>
/// One profile of a KubeSchedulerConfiguration: the pods whose spec.schedulerName is <see cref="SchedulerName"/> are
/// scheduled with the default plugins minus <see cref="DisabledPlugins"/>, with <see cref="ScoreWeights"/> overriding
/// score weights and NodeResourcesFit scoring with <see cref="ScoringStrategy"/>.
/// </summary>
public sealed record SchedulerProfile
{
    public string SchedulerName { get; init; } = "default-scheduler";

    public ScoringStrategy ScoringStrategy { get; init; } = ScoringStrategy.Default;

    /// <summary>Plugin names turned off (filter and score alike); "*" turns off every default score plugin.</summary>
    public IReadOnlySet<string> DisabledPlugins { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>Score plugins turned off only as scorers ("*" for all defaults not enabled again).</summary>
    public IReadOnlySet<string> DisabledScorePlugins { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, int> ScoreWeights { get; init; } = new Dictionary<string, int>(StringComparer.Ordinal);

    /// <summary>0 adapts to the cluster size (kube-scheduler's default); 100 searches every node for every pod.</summary>
    public int PercentageOfNodesToScore { get; init; }
}
