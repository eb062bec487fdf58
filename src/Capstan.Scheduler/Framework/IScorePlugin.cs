namespace Capstan.Scheduler.Framework;

/// <summary>
/// Ranks the nodes that passed every filter. Writes a score from 0 to <see cref="MaxNodeScore"/> for each node (already
/// normalised across the nodes, which is why it sees them all at once); the framework multiplies it by <see cref="Weight"/>.
/// </summary>
public interface IScorePlugin
{
    const long MaxNodeScore = 100;

    string Name { get; }

    /// <summary>kube-scheduler's default weight for the plugin.</summary>
    int Weight { get; }

    void Score(PodInfo pod, ReadOnlySpan<NodeInfo> nodes, Span<long> scores);
}
