namespace Capstan.Scheduler.Framework;

/// <summary>Decides whether a pod may run on a node. Must be cheap and free of side effects: it runs for every node on every attempt.</summary>
public interface IFilterPlugin
{
    string Name { get; }

    FilterStatus Filter(PodInfo pod, NodeInfo node);

    /// <summary>
    /// False when <see cref="Filter"/> would pass every node for this pod whatever the cluster holds (kube-scheduler's
    /// PreFilter Skip): a decision then leaves the plugin out of its per-node loop. Must depend on the pod alone.
    /// </summary>
    bool AppliesTo(PodInfo pod) => true;
}
