namespace Capstan.Api.Hosting;

/// <summary>What every embedded web host (API server, agent streaming, ingress, proxy metrics) is built with.</summary>
public static class HostArguments
{
    /// <summary>
    /// No reload of appsettings.json on change: reloading watches the content root recursively with a process-wide inotify
    /// instance per host, and hosts share the machine's limit (128 instances per user on Debian). With three hosts per
    /// server, the end-to-end suite's concurrent servers used them up and a server died starting its agent.
    /// </summary>
    public static readonly string[] NoConfigReload = ["--hostBuilder:reloadConfigOnChange=false"];
}
