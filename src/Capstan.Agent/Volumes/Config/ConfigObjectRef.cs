using k8s.Models;

namespace Capstan.Agent.Volumes.Config;

/// <summary>A ConfigMap or Secret a pod's volumes read (<see cref="Resource"/> is <c>configmaps</c> or <c>secrets</c>).</summary>
internal sealed record ConfigObjectRef(string Resource, string Namespace, string Name)
{
    /// <summary>The ConfigMaps and Secrets behind the pod's configMap, secret and projected volumes (env is read only at container start).</summary>
    public static IReadOnlySet<ConfigObjectRef> InVolumesOf(V1Pod pod)
    {
        var ns = pod.Metadata?.NamespaceProperty ?? "default";
        var refs = new HashSet<ConfigObjectRef>();
        foreach (var volume in pod.Spec?.Volumes ?? [])
        {
            if (volume.ConfigMap?.Name is { Length: > 0 } cm)
            {
                refs.Add(new ConfigObjectRef("configmaps", ns, cm));
            }

            if (volume.Secret?.SecretName is { Length: > 0 } secret)
            {
                refs.Add(new ConfigObjectRef("secrets", ns, secret));
            }

            foreach (var source in volume.Projected?.Sources ?? [])
            {
                if (source.ConfigMap?.Name is { Length: > 0 } pcm)
                {
                    refs.Add(new ConfigObjectRef("configmaps", ns, pcm));
                }

                if (source.Secret?.Name is { Length: > 0 } psecret)
                {
                    refs.Add(new ConfigObjectRef("secrets", ns, psecret));
                }
            }
        }

        return refs;
    }
}
