using k8s;
using k8s.Models;

namespace Capstan.Bench.Workloads.Cluster;

/// <summary>The official client on a server's admin kubeconfig, and the few calls the scenarios share.</summary>
public static class ClusterClient
{
    public static Kubernetes Create(string kubeconfigPath) =>
        new(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfigPath));

    public static Task CreateNamespaceAsync(IKubernetes client, string name, CancellationToken ct) =>
        client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = name } }, cancellationToken: ct);

    /// <summary>`kubectl cordon` / `uncordon`: a merge patch of spec.unschedulable.</summary>
    public static Task SetUnschedulableAsync(IKubernetes client, string node, bool unschedulable, CancellationToken ct) =>
        client.CoreV1.PatchNodeAsync(
            new V1Patch($"{{\"spec\":{{\"unschedulable\":{(unschedulable ? "true" : "null")}}}}}", V1Patch.PatchType.MergePatch), node, cancellationToken: ct);
}
