namespace Capstan.Agent.Runtime.Process;

internal static class ProcessRuntimeDefaults
{
    public static bool IsRootOnLinux { get; } = OperatingSystem.IsLinux() && Libc.geteuid() == 0;

    /// <summary>Capstan's version, reported as the runtime version.</summary>
    public const string Version = "0.1.0";

    /// <summary>What an image would typically give a container that sets no PATH.</summary>
    public const string DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
}
