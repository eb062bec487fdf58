using Capstan.Agent.Env;
using k8s.Models;

namespace Capstan.Agent.Volumes;

/// <summary>
/// A volumeMount's subPath, or its subPathExpr with $(VAR) expanded from the container's environment: a relative path
/// inside the volume that may not climb out of it, created as a directory when missing, as the kubelet does.
/// </summary>
internal static class SubPaths
{
    /// <summary>The host path to mount: the volume's own, or the sub-path inside it.</summary>
    /// <exception cref="VolumeSetupException">The sub-path is absolute or leaves the volume.</exception>
    public static string Resolve(string volumeHostPath, V1VolumeMount mount, IReadOnlyDictionary<string, string> env)
    {
        var sub = !string.IsNullOrEmpty(mount.SubPathExpr)
            ? VarExpansion.Expand(mount.SubPathExpr, name => env.GetValueOrDefault(name))
            : mount.SubPath;
        if (string.IsNullOrEmpty(sub))
        {
            return volumeHostPath;
        }

        if (Path.IsPathRooted(sub) || sub.Split('/').Contains(".."))
        {
            throw new VolumeSetupException(mount.Name, $"failed to prepare subPath for volumeMount \"{mount.Name}\": subPath \"{sub}\" must be a relative path without '..'");
        }

        var root = Path.GetFullPath(volumeHostPath);
        var full = Path.GetFullPath(Path.Combine(root, sub));
        if (full != root && !full.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new VolumeSetupException(mount.Name, $"failed to prepare subPath for volumeMount \"{mount.Name}\": subPath \"{sub}\" leaves the volume");
        }

        if (!File.Exists(full) && !Directory.Exists(full))
        {
            Directory.CreateDirectory(full);
        }

        return full;
    }
}
