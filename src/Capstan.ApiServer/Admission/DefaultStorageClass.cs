using System.Text.Json.Nodes;
using Capstan.Api.Registry;
using Capstan.ApiServer.Caching;

namespace Capstan.ApiServer.Admission;

/// <summary>
/// Kubernetes' DefaultStorageClass plugin: a new PersistentVolumeClaim with no storageClassName at all (absent, not "")
/// gets the default StorageClass (annotation <c>storageclass.kubernetes.io/is-default-class: "true"</c>; with several,
/// the newest). Without a default the claim is left as it is.
/// </summary>
public sealed class DefaultStorageClass(WatchCache cache) : IMutatingAdmission
{
    public const string DefaultAnnotation = "storageclass.kubernetes.io/is-default-class";
    public const string BetaDefaultAnnotation = "storageclass.beta.kubernetes.io/is-default-class";

    public string Name => "DefaultStorageClass";

    public void AdmitCreate(ResourceInfo resource, JsonObject obj)
    {
        if (resource.Group.Length != 0 || resource.Kind != "PersistentVolumeClaim" || obj["spec"] is not JsonObject spec || spec["storageClassName"] is not null
            || obj["metadata"]?["annotations"]?["volume.beta.kubernetes.io/storage-class"] is not null)
        {
            return;
        }

        var best = DefaultClass.Find(cache, "storage.k8s.io", "StorageClass", DefaultAnnotation, BetaDefaultAnnotation);
        if (best is not null)
        {
            spec["storageClassName"] = best;
        }
    }
}
