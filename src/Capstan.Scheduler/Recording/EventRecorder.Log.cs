using Microsoft.Extensions.Logging;

namespace Capstan.Scheduler.Recording;

internal sealed partial class EventRecorder
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "could not record the scheduling outcome of {Pod}")]
    private partial void LogWriteFailed(Exception ex, string pod);
}
