using k8s.Models;

namespace Capstan.Agent.Volumes;

/// <summary>
/// The kubelet's local-storage eviction for emptyDir volumes: a pod whose emptyDir (on disk or in memory) holds more
/// than its sizeLimit is evicted with the message Kubernetes gives.
/// </summary>
internal static class EmptyDirLimits
{
    /// <summary>Whether the pod has any emptyDir with a sizeLimit (only those pods are measured).</summary>
    public static bool HasLimits(V1Pod pod) => pod.Spec.Volumes?.Any(v => v.EmptyDir?.SizeLimit is not null) == true;

    /// <summary>The eviction message for the first emptyDir over its limit, or null when all are within.</summary>
    public static string? Exceeded(V1Pod pod, Func<string, string> pathOf)
    {
        foreach (var volume in pod.Spec.Volumes ?? [])
        {
            if (volume.EmptyDir?.SizeLimit is not { } limit)
            {
                continue;
            }

            var path = pathOf(volume.Name);
            if (Usage(path) > limit.ToDecimal())
            {
                return $"Usage of EmptyDir volume \"{volume.Name}\" exceeds the limit \"{limit}\". ";
            }
        }

        return null;
    }

    /// <summary>Bytes held by the files under <paramref name="path"/>.</summary>
    public static long Usage(string path)
    {
        if (!Directory.Exists(path))
        {
            return 0;
        }

        long total = 0;
        try
        {
            foreach (var file in new DirectoryInfo(path).EnumerateFiles("*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = 0 }))
            {
                total += file.Length;
            }
        }
        catch (IOException)
        {
            // Files come and go while we count: a partial sum is measured again at the next sync.
        }

        return total;
    }
}
