using Capstan.Client.Dynamic;
using Capstan.Client.Informers;

namespace Capstan.Scheduler.Plugins;

/// <summary>Creates <see cref="VolumeBinding"/> over informers on claims, volumes and classes; a change to any of them may make a pending pod fit.</summary>
internal static class VolumeBindingInformers
{
    private static readonly string[] Verbs = ["get", "list", "watch"];
    private static readonly ApiResource Claims = new("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", true, Verbs);
    private static readonly ApiResource Volumes = new("", "v1", "persistentvolumes", "PersistentVolume", false, Verbs);
    private static readonly ApiResource Classes = new("storage.k8s.io", "v1", "storageclasses", "StorageClass", false, Verbs);

    public static (VolumeBinding Plugin, IReadOnlyList<DynamicInformer> Informers) Create(SharedInformerFactory factory, DynamicInformer pods)
    {
        var claims = factory.For(Claims);
        var volumes = factory.For(Volumes);
        var classes = factory.For(Classes);
        return (new VolumeBinding(claims.Cache, volumes.Cache, classes.Cache, pods.Cache), [claims, volumes, classes]);
    }

    /// <summary>A claim or volume that appears or changes (bound, provisioned) may let pending pods fit: they are tried again.</summary>
    public static void RetryPendingOnChange(IEnumerable<DynamicInformer> informers, Action retry)
    {
        foreach (var informer in informers)
        {
            informer.AddEventHandler(new ResourceEventHandler { OnAdd = _ => retry(), OnUpdate = (_, _) => retry() });
        }
    }
}
