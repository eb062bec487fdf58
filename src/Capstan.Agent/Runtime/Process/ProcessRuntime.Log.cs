using Microsoft.Extensions.Logging;

namespace Capstan.Agent.Runtime.Process;

public sealed partial class ProcessRuntime
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Process runtime in {StateDirectory}: pod CIDR {PodCidr}, namespaces {Namespaces}, cgroups {Cgroups}, {Containers} containers re-adopted ({Running} running)")]
        public static partial void Started(ILogger logger, string stateDirectory, string podCidr, bool namespaces, bool cgroups, int containers, int running);

        [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Pod namespaces were asked for but are unavailable ({Why}): pods run as plain host processes")]
        public static partial void NoNamespaces(ILogger logger, string why);

        [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "cgroup limits were asked for but no writable cgroup v1 or v2 hierarchy with memory or cpu was found: containers run without limits")]
        public static partial void NoCgroups(ILogger logger);

        [LoggerMessage(EventId = 4, Level = LogLevel.Debug, Message = "Container {ContainerId} ({Name}) exited with {ExitCode} ({Reason})")]
        public static partial void Exited(ILogger logger, string containerId, string name, int exitCode, string? reason);

        [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "The shim of container {ContainerId} ({Name}) died without recording an exit status")]
        public static partial void ShimDied(ILogger logger, string containerId, string name);

        [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "The mount propagation directory could not be made a shared mount ({Why}): HostToContainer and Bidirectional volumes behave as None")]
        public static partial void NoMountPropagation(ILogger logger, string why);

        [LoggerMessage(EventId = 7, Level = LogLevel.Warning, Message = "Container exits are not watched ({Why}): they are noticed by the poll, within {Interval}")]
        public static partial void NoExitWatcher(ILogger logger, string why, TimeSpan interval);
    }
}
