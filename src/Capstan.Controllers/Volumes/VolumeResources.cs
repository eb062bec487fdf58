using Capstan.Client.Dynamic;

namespace Capstan.Controllers.Volumes;

/// <summary>The storage resources the volume controllers watch.</summary>
internal static class VolumeResources
{
    private static readonly string[] Verbs = ["create", "delete", "get", "list", "patch", "update", "watch"];

    public static readonly ApiResource PersistentVolumes = new("", "v1", "persistentvolumes", "PersistentVolume", false, Verbs);

    public static readonly ApiResource PersistentVolumeClaims = new("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", true, Verbs);

    public static readonly ApiResource StorageClasses = new("storage.k8s.io", "v1", "storageclasses", "StorageClass", false, Verbs);
}
