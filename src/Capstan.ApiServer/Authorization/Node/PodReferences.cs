using k8s.Models;

namespace Capstan.ApiServer.Authorization.Node;

/// <summary>
/// The objects a pod needs from the API to run: the pod itself, its ServiceAccount, image pull Secrets, Secrets and
/// ConfigMaps of volumes (plain, projected, CSI/flex/iSCSI/RBD/CephFS/Azure secret refs) and of env/envFrom in every
/// container, and its PersistentVolumeClaims (generic ephemeral volumes name theirs <c>&lt;pod&gt;-&lt;volume&gt;</c>).
/// </summary>
public static class PodReferences
{
    public static IReadOnlyCollection<Reference> Of(V1Pod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var ns = pod.Metadata?.NamespaceProperty ?? "";
        var podName = pod.Metadata?.Name ?? "";
        var refs = new HashSet<Reference> { new(ReferenceKind.Pod, ns, podName) };
        var spec = pod.Spec;
        if (spec is null)
        {
            return refs;
        }

        void Add(ReferenceKind kind, string? name)
        {
            if (!string.IsNullOrEmpty(name))
            {
                refs.Add(new Reference(kind, ns, name));
            }
        }

        Add(ReferenceKind.ServiceAccount, string.IsNullOrEmpty(spec.ServiceAccountName) ? "default" : spec.ServiceAccountName);
        foreach (var pull in spec.ImagePullSecrets ?? [])
        {
            Add(ReferenceKind.Secret, pull?.Name);
        }

        foreach (var volume in spec.Volumes ?? [])
        {
            if (volume is null)
            {
                continue;
            }

            Add(ReferenceKind.Secret, volume.Secret?.SecretName);
            Add(ReferenceKind.ConfigMap, volume.ConfigMap?.Name);
            Add(ReferenceKind.PersistentVolumeClaim, volume.PersistentVolumeClaim?.ClaimName);
            if (volume.Ephemeral is not null)
            {
                Add(ReferenceKind.PersistentVolumeClaim, podName + "-" + volume.Name);
            }

            Add(ReferenceKind.Secret, volume.Csi?.NodePublishSecretRef?.Name);
            Add(ReferenceKind.Secret, volume.FlexVolume?.SecretRef?.Name);
            Add(ReferenceKind.Secret, volume.Iscsi?.SecretRef?.Name);
            Add(ReferenceKind.Secret, volume.Rbd?.SecretRef?.Name);
            Add(ReferenceKind.Secret, volume.Cephfs?.SecretRef?.Name);
            Add(ReferenceKind.Secret, volume.AzureFile?.SecretName);
            foreach (var source in volume.Projected?.Sources ?? [])
            {
                Add(ReferenceKind.Secret, source?.Secret?.Name);
                Add(ReferenceKind.ConfigMap, source?.ConfigMap?.Name);
            }
        }

        var containers = (spec.Containers ?? []).Concat(spec.InitContainers ?? [])
            .Select(c => (c?.Env, c?.EnvFrom))
            .Concat((spec.EphemeralContainers ?? []).Select(c => (c?.Env, c?.EnvFrom)));
        foreach (var (env, envFrom) in containers)
        {
            foreach (var variable in env ?? [])
            {
                Add(ReferenceKind.Secret, variable?.ValueFrom?.SecretKeyRef?.Name);
                Add(ReferenceKind.ConfigMap, variable?.ValueFrom?.ConfigMapKeyRef?.Name);
            }

            foreach (var source in envFrom ?? [])
            {
                Add(ReferenceKind.Secret, source?.SecretRef?.Name);
                Add(ReferenceKind.ConfigMap, source?.ConfigMapRef?.Name);
            }
        }

        return refs;
    }
}
