using System.Diagnostics;
using k8s.Models;

namespace Capstan.Agent.Volumes;

/// <summary>
/// emptyDir with medium Memory: as root on Linux the volume's directory is a tmpfs of its own, unmounted when the pod's
/// directory is removed; elsewhere it stays a plain directory (the data is then on disk). The tmpfs is not sized to
/// sizeLimit: the limit is enforced by evicting the pod (<see cref="EmptyDirLimits"/>), as the kubelet does.
/// </summary>
internal static class MemoryEmptyDir
{
    private static bool CanMount => OperatingSystem.IsLinux() && Environment.IsPrivilegedProcess;

    /// <summary>
    /// Mounts the pod's Memory emptyDirs before its sandbox exists: the sandbox's private mount namespace copies the
    /// host's mounts when it is made, so the pod and the agent (measuring usage) then see one and the same tmpfs.
    /// </summary>
    public static void MountAll(V1Pod pod, Func<string, string> pathOf)
    {
        foreach (var volume in pod.Spec.Volumes ?? [])
        {
            if (volume.EmptyDir?.Medium == "Memory")
            {
                EnsureMounted(volume.Name, pathOf(volume.Name));
            }
        }
    }

    /// <exception cref="VolumeSetupException">The tmpfs could not be mounted.</exception>
    public static void EnsureMounted(string volume, string path)
    {
        Directory.CreateDirectory(path);
        if (!CanMount || MountPointsUnder(path, includeSelf: true).Any())
        {
            return;
        }

        var (code, error) = Run("mount", "-t", "tmpfs", "-o", "mode=0777", "tmpfs", path);
        if (code != 0)
        {
            throw new VolumeSetupException(volume, $"MountVolume.SetUp failed for volume \"{volume}\" : mount tmpfs: {error.Trim()}");
        }
    }

    /// <summary>Lazily unmounts every mount under <paramref name="directory"/> so that it can be deleted.</summary>
    public static void UnmountUnder(string directory)
    {
        if (!CanMount)
        {
            return;
        }

        foreach (var mountPoint in MountPointsUnder(directory, includeSelf: false).OrderByDescending(m => m.Length))
        {
            Run("umount", "-l", mountPoint);
        }
    }

    private static IEnumerable<string> MountPointsUnder(string directory, bool includeSelf)
    {
        var root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
        if (!File.Exists("/proc/self/mountinfo"))
        {
            yield break;
        }

        foreach (var line in File.ReadLines("/proc/self/mountinfo"))
        {
            // Field 5 is the mount point, with spaces and the like octal-escaped.
            var fields = line.Split(' ');
            if (fields.Length < 5)
            {
                continue;
            }

            var mountPoint = fields[4].Replace("\\040", " ", StringComparison.Ordinal);
            if ((includeSelf && mountPoint == root) || mountPoint.StartsWith(root + "/", StringComparison.Ordinal))
            {
                yield return mountPoint;
            }
        }
    }

    private static (int Code, string Error) Run(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file, args) { RedirectStandardError = true, RedirectStandardOutput = true };
        using var process = Process.Start(info);
        if (process is null)
        {
            return (-1, $"{file} did not start");
        }

        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, error);
    }
}
