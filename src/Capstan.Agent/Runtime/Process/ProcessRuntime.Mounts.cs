namespace Capstan.Agent.Runtime.Process;

public sealed partial class ProcessRuntime
{
    // Bind mounts inside the pod's mount namespace (containers of a pod share it, so a path mounted by one container is
    // seen by the others). A missing mount point is created: with no image root filesystem, that creates an empty
    // directory or file at that path on the host. A mount point already mounted (a restarted container) is replaced.
    private const string MountScript = """
        while [ $# -ge 3 ]; do
          h=$1; t=$2; ro=$3; shift 3
          if [ -d "$h" ]; then mkdir -p "$t" || exit 1; else mkdir -p "$(dirname "$t")" && { [ -e "$t" ] || : > "$t"; } || exit 1; fi
          if mountpoint -q "$t"; then umount -l "$t"; fi
          mount --bind "$h" "$t" || exit 1
          if [ "$ro" = 1 ]; then mount -o remount,bind,ro "$t" || exit 1; fi
        done
        """;

    private async Task ApplyMountsAsync(SandboxRecord sandbox, IReadOnlyList<Mount> mounts, CancellationToken ct)
    {
        if (sandbox.InitPid > 0)
        {
            var args = new List<string> { "-t", sandbox.InitPid.ToString(), "-m", "--", "sh", "-c", MountScript, "sh" };
            foreach (var mount in mounts)
            {
                args.AddRange([mount.HostPath, mount.ContainerPath, mount.ReadOnly ? "1" : "0"]);
            }

            var (code, _, stderr) = await RunAsync("nsenter", args, ct).ConfigureAwait(false);
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
