using k8s;
using k8s.Models;

namespace Capstan.Controllers.Tests.Integration;

/// <summary>Plays the node agent, which does not exist yet: reports pods running and ready, registers nodes and renews their leases.</summary>
internal static class FakeKubelet
{
    public static async Task MarkReadyAsync(Kubernetes client, string ns, string name, bool ready = true)
    {
        for (var attempt = 0; ; attempt++)
        {
            var pod = await client.ReadNamespacedPodAsync(name, ns);
            var now = DateTime.UtcNow;
            pod.Status ??= new V1PodStatus();
            pod.Status.Phase = "Running";
            pod.Status.Conditions =
            [
                new V1PodCondition { Type = "Ready", Status = ready ? "True" : "False", LastTransitionTime = now },
                new V1PodCondition { Type = "ContainersReady", Status = ready ? "True" : "False", LastTransitionTime = now },
            ];
            try
            {
                await client.ReplaceNamespacedPodStatusAsync(pod, name, ns);
                return;
            }
            catch (k8s.Autorest.HttpOperationException ex) when (ex.Response.StatusCode == System.Net.HttpStatusCode.Conflict && attempt < 5)
            {
            }
        }
    }

    public static async Task MarkAllReadyAsync(Kubernetes client, string ns, string labelSelector)
    {
        foreach (var pod in (await client.ListNamespacedPodAsync(ns, labelSelector: labelSelector)).Items)
        {
            if (pod.Metadata.DeletionTimestamp is null && pod.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") != true)
            {
                await MarkReadyAsync(client, ns, pod.Metadata.Name);
            }
        }
    }

    public static async Task<V1Node> RegisterNodeAsync(Kubernetes client, string name)
    {
        var now = DateTime.UtcNow;
        var node = await client.CreateNodeAsync(new V1Node { Metadata = new V1ObjectMeta { Name = name } });
        node.Status = new V1NodeStatus
        {
            Conditions =
            [
                new V1NodeCondition { Type = "Ready", Status = "True", Reason = "KubeletReady", Message = "kubelet is posting ready status", LastHeartbeatTime = now, LastTransitionTime = now },
                new V1NodeCondition { Type = "MemoryPressure", Status = "False", Reason = "KubeletHasSufficientMemory", LastHeartbeatTime = now, LastTransitionTime = now },
            ],
        };
        node = await client.ReplaceNodeStatusAsync(node, name);
        await client.CreateNamespacedLeaseAsync(new V1Lease
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "kube-node-lease" },
            Spec = new V1LeaseSpec { HolderIdentity = name, LeaseDurationSeconds = 40, RenewTime = now },
        }, "kube-node-lease");
        return node;
    }

    /// <summary>Posts Ready=True with a fresh heartbeat, retrying when the node lifecycle controller wrote in between.</summary>
    public static async Task PostNodeReadyAsync(Kubernetes client, string name)
    {
        for (var attempt = 0; ; attempt++)
        {
            var node = await client.ReadNodeAsync(name);
            var now = DateTime.UtcNow;
            node.Status.Conditions = [new V1NodeCondition { Type = "Ready", Status = "True", Reason = "KubeletReady", LastHeartbeatTime = now, LastTransitionTime = now }];
            try
            {
                await client.ReplaceNodeStatusAsync(node, name);
                return;
            }
            catch (k8s.Autorest.HttpOperationException ex) when (ex.Response.StatusCode == System.Net.HttpStatusCode.Conflict && attempt < 5)
            {
            }
        }
    }

    public static async Task RenewLeaseAsync(Kubernetes client, string name)
    {
        var lease = await client.ReadNamespacedLeaseAsync(name, "kube-node-lease");
        lease.Spec.RenewTime = DateTime.UtcNow;
        await client.ReplaceNamespacedLeaseAsync(lease, name, "kube-node-lease");
    }

    public static V1PodSpec Spec(string? nodeName = null) => new()
    {
        NodeName = nodeName,
        Containers = [new V1Container { Name = "c", Image = "busybox" }],
    };
}
