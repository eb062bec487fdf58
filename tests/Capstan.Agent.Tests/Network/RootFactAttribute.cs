namespace Capstan.Agent.Tests.Network;

/// <summary>A fact that needs root on Linux and the named tools (network namespaces, CNI plugins); skipped with the reason otherwise.</summary>
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute(params string[] requiredFiles)
    {
        if (!OperatingSystem.IsLinux() || !Environment.IsPrivilegedProcess)
        {
            Skip = "needs root on Linux (network namespaces)";
            return;
        }

        var missing = requiredFiles.Where(f => !File.Exists(f)).ToList();
        if (missing.Count > 0)
        {
            Skip = "needs " + string.Join(", ", missing) + " (apt-get install containernetworking-plugins iproute2 busybox-static)";
        }
    }
}
