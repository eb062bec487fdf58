using Microsoft.Extensions.Logging;

namespace Capstan.Scheduler;

public static partial class SchedulerService
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "scheduler {SchedulerName} started with {Nodes} nodes")]
    private static partial void LogStarted(ILogger logger, string schedulerName, int nodes);
}
