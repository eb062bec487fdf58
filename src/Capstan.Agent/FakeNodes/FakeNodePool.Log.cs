using Microsoft.Extensions.Logging;

namespace Capstan.Agent.FakeNodes;

public sealed partial class FakeNodePool
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "{Count} simulated nodes {Prefix}* registered; leases renewed every {Interval} s")]
    private partial void LogStarted(int count, string prefix, double interval);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "renewing the lease of simulated node {Node} failed")]
    private partial void LogLeaseFailed(Exception ex, string node);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "a watch of the simulated nodes (pods or nodes) failed; listing again")]
    private partial void LogWatchFailed(Exception ex);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "writing pod {Pod} of a simulated node failed; retrying")]
    private partial void LogPodWriteFailed(Exception ex, string pod);

    [LoggerMessage(EventId = 5, Level = LogLevel.Debug, Message = "{Action} pod {Pod} on a simulated node")]
    private partial void LogQueued(string action, string pod);

    [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "posting the status of simulated node {Node} again failed")]
    private partial void LogStatusFailed(Exception ex, string node);
}
