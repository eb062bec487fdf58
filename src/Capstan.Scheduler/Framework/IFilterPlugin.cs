namespace Capstan.Scheduler.Framework;

/// <summary>Decides whether a pod may run on a node. Must be cheap and free of side effects: it runs for every node on every attempt.</summary>
public interface IFilterPlugin
{
    string Name { get; }

    FilterStatus Filter(PodInfo pod, NodeInfo node);
}
