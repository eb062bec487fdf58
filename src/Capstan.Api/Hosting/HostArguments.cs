namespace Capstan.Api.Hosting;

/// <summary>What every embedded web host (API server, agent streaming, ingress, proxy metrics) is built with.</summary>
public static class HostArguments
{
    /// <summary>
    /// No reload of appsettings.json on change: reloading watches the content root recursively with an inotify instance
    /// per host, and every process of the user shares the limit on those (128 on Debian). With three hosts, a server held
    /// three for a file it does not ship; with the limit lowered, a server that found none left died starting its agent.
    /// </summary>
    public static readonly string[] NoConfigReload = ["--hostBuilder:reloadConfigOnChange=false"];
}
