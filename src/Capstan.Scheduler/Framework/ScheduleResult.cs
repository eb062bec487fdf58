namespace Capstan.Scheduler.Framework;

/// <summary>The outcome of one scheduling decision: the chosen node, or why there is none.</summary>
public sealed record ScheduleResult(NodeInfo? Node, FitError? Error)
{
    public bool Succeeded => Node is not null;
}
