using Capstan.Client.Dynamic;
using Capstan.Client.Informers;
using Capstan.Scheduler.Framework;

namespace Capstan.Scheduler.Plugins;

/// <summary>
/// Creates the volume filters, <see cref="VolumeBinding"/> and <see cref="NodeVolumeLimits"/>, over informers on claims,
/// volumes, classes and CSINodes; a change to any of them (a claim bound, a volume provisioned, a limit raised) may make
/// a pending pod fit.
/// </summary>
internal static class VolumeInformers
{
    private static readonly string[] Verbs = ["get", "list", "watch"];
    private static readonly ApiResource Claims = new("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", true, Verbs);
    private static readonly ApiResource Volumes = new("", "v1", "persistentvolumes", "PersistentVolume", false, Verbs);
    private static readonly ApiResource Classes = new("storage.k8s.io", "v1", "storageclasses", "StorageClass", false, Verbs);
    private static readonly ApiResource CsiNodes = new("storage.k8s.io", "v1", "csinodes", "CSINode", false, Verbs);

    public static (IReadOnlyList<IFilterPlugin> Plugins, IReadOnlyList<DynamicInformer> Informers) Create(SharedInformerFactory factory, DynamicInformer pods)
    {
        var claims = factory.For(Claims);
        var volumes = factory.For(Volumes);
        var classes = factory.For(Classes);
        var csiNodes = factory.For(CsiNodes);
        return (
            [new VolumeBinding(claims.Cache, volumes.Cache, classes.Cache, pods.Cache), new NodeVolumeLimits(csiNodes.Cache, claims.Cache, volumes.Cache, classes.Cache)],
            [claims, volumes, classes, csiNodes]);
    }

    /// <summary>A claim, volume or CSINode that appears or changes may let pending pods fit: they are tried again.</summary>
    public static void RetryPendingOnChange(IEnumerable<DynamicInformer> informers, Action retry)
    {
        foreach (var informer in informers)
        {
            informer.AddEventHandler(new ResourceEventHandler { OnAdd = _ => retry(), OnUpdate = (_, _) => retry() });
        }
    }
}
