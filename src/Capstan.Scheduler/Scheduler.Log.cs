using Microsoft.Extensions.Logging;

namespace Capstan.Scheduler;

internal sealed partial class Scheduler
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "{Pod} is unschedulable: {Message}")]
    private partial void LogUnschedulable(string pod, string message);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "bound {Pod} to {Node}")]
    private partial void LogBound(string pod, string node);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "binding {Pod} to {Node} failed; retrying after back-off")]
    private partial void LogBindFailed(Exception ex, string pod, string node);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "preempting for {Pod} on {Node}: {Victims}")]
    private partial void LogPreempting(string pod, string node, string victims);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "preemption for {Pod} failed")]
    private partial void LogPreemptionFailed(Exception ex, string pod);
}
