namespace Capstan.Agent.Runtime.Process;

public sealed partial class ProcessRuntime
{
    // On the host, for a HostToContainer or Bidirectional volume: its source becomes a shared mount (bound onto itself
    // when it is not a mount point), and is bound into the pod's staging directory under the shared propagation
    // directory, so the pod's namespace gets a peer of it there. Arguments: source, staging path. Prints "bound" when it
    // bound the source onto itself (undone when the last sandbox using it goes).
    private const string StageScript = """
        s=$1; st=$2
        mountpoint -q "$s" || { mount --bind "$s" "$s" && echo bound; } || exit 1
        mount --make-shared "$s" || exit 1
        if [ -d "$s" ]; then mkdir -p "$st" || exit 1; else mkdir -p "$(dirname "$st")" && { [ -e "$st" ] || : > "$st"; } || exit 1; fi
        if mountpoint -q "$st"; then umount -l "$st"; fi
        mount --bind "$s" "$st" || exit 1
        """;

    private string? _propagationRoot;
    private Task<string?>? _propagationSetup;

    /// <summary>
    /// &lt;state&gt;/propagation, bound onto itself and made shared on the host before the first pod namespace is made, or null
    /// when that failed (pods then get fully private namespaces and mountPropagation volumes behave as None).
    /// </summary>
    private Task<string?> EnsurePropagationRootAsync(CancellationToken ct)
    {
        var setup = Volatile.Read(ref _propagationSetup);
        if (setup is not null)
        {
            return setup;
        }

        var created = SetUpPropagationRootAsync();
        return Interlocked.CompareExchange(ref _propagationSetup, created, null) ?? created;
    }

    private async Task<string?> SetUpPropagationRootAsync()
    {
        var root = Path.Combine(_options.StateDirectory, "propagation");
        Directory.CreateDirectory(root);
        var (code, _, stderr) = await RunAsync("sh", ["-c", "mountpoint -q \"$1\" || mount --bind \"$1\" \"$1\" || exit 1; mount --make-shared \"$1\"", "sh", root], CancellationToken.None).ConfigureAwait(false);
        if (code != 0)
        {
            Log.NoMountPropagation(_logger, stderr.Trim());
            return null;
        }

        _propagationRoot = root;
        return root;
    }

    /// <summary>Where a propagation volume of a sandbox is staged: one entry per source path.</summary>
    private string StagingPath(string sandboxId, string source) =>
        Path.Combine(_propagationRoot!, sandboxId, Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(source)))[..16]);

    /// <summary>Lazily unmounts a removed sandbox's staging mounts (the sources stay shared on the host) and deletes its directory.</summary>
    private async Task ReleasePropagationMountsAsync(string sandboxId, CancellationToken ct)
    {
        if (_propagationRoot is null || !Directory.Exists(Path.Combine(_propagationRoot, sandboxId)))
        {
            return;
        }

        var dir = Path.Combine(_propagationRoot, sandboxId);
        await RunAsync("sh", ["-c", "for m in \"$1\"/*; do mountpoint -q \"$m\" && umount -l \"$m\"; done; rm -rf \"$1\"", "sh", dir], ct).ConfigureAwait(false);

        // Sources this sandbox bound onto themselves, which no other sandbox staged since: unbound, so that (an emptyDir,
        // say) their directories can be removed.
        var list = Path.Combine(_propagationRoot, sandboxId + ".sources");
        if (!File.Exists(list))
        {
            return;
        }

        var others = Directory.EnumerateDirectories(_propagationRoot)
            .Where(d => Path.GetFileName(d) != sandboxId)
            .SelectMany(d => Directory.EnumerateFileSystemEntries(d).Select(Path.GetFileName))
            .ToHashSet(StringComparer.Ordinal);
        foreach (var source in (await File.ReadAllLinesAsync(list, ct).ConfigureAwait(false)).Where(l => l.Length > 0).Distinct(StringComparer.Ordinal))
        {
            if (!others.Contains(Path.GetFileName(StagingPath(sandboxId, source))))
            {
                await RunAsync("umount", ["-l", source], ct).ConfigureAwait(false);
            }
        }

        File.Delete(list);
    }

    /// <summary>
    /// With no pod namespace left alive (killall, a test's clean-up, even one that failed half-way), the propagation
    /// directory is unmounted so that the data dir can be deleted.
    /// </summary>
    private void ReleasePropagationRootIfUnused()
    {
        var root = Path.Combine(_options.StateDirectory, "propagation");
        bool live;
        lock (_lock)
        {
            live = _sandboxes.Values.Any(s => s.InitPid > 0 && ProcStat.IsAlive(s.InitPid, s.InitStartTime));
        }

        // Not NamespacesEnabled: a runtime made only to stop pods (killall) has not probed namespaces, yet the directory it must release is mounted.
        if (!live && Directory.Exists(root) && MountTable.MountPoints().Contains(root, StringComparer.Ordinal))
        {
            RunAsync("sh", ["-c", "mountpoint -q \"$1\" && umount -l \"$1\"; true", "sh", root], CancellationToken.None).GetAwaiter().GetResult();
        }
    }

    private static string PropagationMode(MountPropagation propagation) => propagation switch
    {
        MountPropagation.HostToContainer => "rslave",
        MountPropagation.Bidirectional => "rshared",
        _ => "private",
    };

    /// <summary>
    /// With the pod's namespaces: the bind mounts the shim makes in the pod's mount namespace (ShimScripts.Shim; containers
    /// of a pod share it, so a path mounted by one container is seen by the others), after staging the mountPropagation
    /// volumes on the host. Without them (not root): symlinks where possible, and no bind mounts.
    /// </summary>
    private async Task<IReadOnlyList<ShimMount>> PrepareMountsAsync(SandboxRecord sandbox, IReadOnlyList<Mount> mounts, CancellationToken ct)
    {
        if (sandbox.InitPid > 0)
        {
            if (mounts.Any(m => m.Propagation != MountPropagation.None))
            {
                await EnsurePropagationRootAsync(ct).ConfigureAwait(false);
            }

            var binds = new List<ShimMount>(mounts.Count);
            foreach (var mount in mounts)
            {
                var source = mount.HostPath;
                var mode = "private";
                if (mount.Propagation != MountPropagation.None && _propagationRoot is not null)
                {
                    source = StagingPath(sandbox.Id, mount.HostPath);
                    var (staged, said, why) = await RunAsync("sh", ["-c", StageScript, "sh", mount.HostPath, source], ct).ConfigureAwait(false);
                    if (staged != 0)
                    {
                        throw new InvalidOperationException($"mounting volumes failed: preparing the propagation of {mount.HostPath}: {why.Trim()}");
                    }

                    if (said.Contains("bound", StringComparison.Ordinal))
                    {
                        await File.AppendAllTextAsync(Path.Combine(_propagationRoot, sandbox.Id + ".sources"), mount.HostPath + "\n", ct).ConfigureAwait(false);
                    }

                    mode = PropagationMode(mount.Propagation);
                }

                binds.Add(new ShimMount(source, mount.ContainerPath, mount.ReadOnly, mode));
            }

            return binds;
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

        return [];
    }
}
