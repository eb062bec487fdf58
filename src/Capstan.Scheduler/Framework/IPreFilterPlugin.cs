namespace Capstan.Scheduler.Framework;

/// <summary>
/// Runs once per scheduling attempt, before the filters, to gather what the pod's filter and score need from the whole
/// cluster (counts of matching pods per topology domain), so that Filter and Score stay cheap per node. Decisions are
/// made one at a time under the scheduler cache's lock, so a plugin may keep that state in fields until the next PreFilter.
/// A failed status rejects every node with it.
/// </summary>
public interface IPreFilterPlugin
{
    string Name { get; }

    FilterStatus PreFilter(PodInfo pod, SchedulingContext context);
}
