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
}
