namespace Capstan.Agent.Runtime.Process;

public sealed partial class ProcessRuntime
{
    // With the pod's namespaces, the shim bind-mounts a container's volumes in the pod's mount namespace (ShimScripts.Shim).
    private static void LinkMounts(IReadOnlyList<Mount> mounts)
    {
        // Without a mount namespace (not root) nothing can be mounted: a volume whose container path is its host path
        // works as is, a missing container path becomes a symlink to the host path when its parent is writable, and
        // anything else is an error rather than a container silently writing somewhere else. Read-only is not enforced.
        foreach (var mount in mounts)
        {
            var target = Path.TrimEndingDirectorySeparator(mount.ContainerPath);
            var source = Path.TrimEndingDirectorySeparator(mount.HostPath);
            if (target == source)
            {
                continue;
            }

            var info = new FileInfo(target);
            if (info.LinkTarget == source)
            {
                continue;
            }

            if (!info.Exists && !Directory.Exists(target) && info.LinkTarget is null)
            {
                try
                {
                    File.CreateSymbolicLink(target, source);
                    continue;
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                }
            }

            throw new InvalidOperationException(
                $"the process runtime runs without mount namespaces (not root), so it cannot mount {mount.HostPath} at {mount.ContainerPath}");
        }
    }
}
