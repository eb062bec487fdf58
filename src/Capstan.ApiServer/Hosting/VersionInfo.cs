using System.Text.Json.Nodes;

namespace Capstan.ApiServer.Hosting;

/// <summary>What /version reports: the Kubernetes API level Capstan serves, and Capstan's own build.</summary>
public static class VersionInfo
{
    public const string Major = "1";
    public const string Minor = "32";
    public const string GitVersion = "v1.32.0+capstan";

    public static JsonObject ToJson() => new()
    {
        ["major"] = Major,
        ["minor"] = Minor,
        ["gitVersion"] = GitVersion,
        ["gitCommit"] = ThisAssemblyCommit,
        ["gitTreeState"] = "clean",
        ["buildDate"] = "2026-11-25T00:00:00Z",
        ["goVersion"] = $"dotnet{Environment.Version}",
        ["compiler"] = "dotnet",
        ["platform"] = $"{(OperatingSystem.IsLinux() ? "linux" : "unknown")}/{System.Runtime.InteropServices.RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant().Replace("x64", "amd64")}",
    };

    private static string ThisAssemblyCommit =>
        typeof(VersionInfo).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion ?? "unknown";
}
