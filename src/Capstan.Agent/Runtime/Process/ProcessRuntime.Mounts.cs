namespace Capstan.Agent.Runtime.Process;

public sealed partial class ProcessRuntime
{
    // Bind mounts inside the pod's mount namespace (containers of a pod share it, so a path mounted by one container is
    // seen by the others), by ShimScripts.Mounts. A missing mount point is created: with no image root filesystem, that
    // creates an empty directory or file at that path on the host. A mount point already mounted (a restarted container) is replaced.
    private async Task ApplyMountsAsync(SandboxRecord sandbox, IReadOnlyList<Mount> mounts, CancellationToken ct)
    {
        if (sandbox.InitPid > 0)
        {
            var nr = _syscalls!;
            var args = new List<string> { _mountPath, sandbox.InitPid.ToString(), $"{nr.Setns} {nr.Mount} {nr.Umount2}" };
            foreach (var mount in mounts)
            {
                args.AddRange([mount.HostPath, mount.ContainerPath, mount.ReadOnly ? "1" : "0"]);
            }

            var (code, _, stderr) = await RunAsync(_perl, args, ct).ConfigureAwait(false);
            if (code != 0)
            {
                throw new InvalidOperationException($"mounting volumes failed: {stderr.Trim()}");
            }

            return;
        }

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
