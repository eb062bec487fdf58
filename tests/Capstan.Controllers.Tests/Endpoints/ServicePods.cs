using k8s;
using k8s.Models;

namespace Capstan.Controllers.Tests.Endpoints;

/// <summary>Creates pods that look bound and running (an IP, a Ready condition) for the endpoint controllers to see.</summary>
internal static class ServicePods
{
    public const string NodeName = "node-a";

    /// <summary>
    /// The node the pods are bound to must exist, or the pod garbage collector deletes them as orphans. (It never posts
    /// status, so it turns NotReady; the pods' default 300 s tolerations outlast the tests.)
    /// </summary>
    public static async Task EnsureNodeAsync(Kubernetes client)
    {
        try
        {
            await client.CreateNodeAsync(new V1Node { Metadata = new V1ObjectMeta { Name = NodeName } });
        }
        catch (k8s.Autorest.HttpOperationException ex) when (ex.Response.StatusCode == System.Net.HttpStatusCode.Conflict)
        {
        }
    }

    public static async Task CreateAsync(Kubernetes client, string ns, string name, string app, string ip, bool ready = true)
    {
        await client.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["app"] = app } },
            Spec = new V1PodSpec
            {
                NodeName = NodeName,
                Containers = [new V1Container { Name = "c", Image = "busybox", Ports = [new V1ContainerPort { Name = "web", ContainerPort = 8080 }] }],
            },
        }, ns);
        await SetStatusAsync(client, ns, name, ip, ready);
    }

    public static async Task SetStatusAsync(Kubernetes client, string ns, string name, string ip, bool ready)
    {
        for (var attempt = 0; ; attempt++)
        {
            var pod = await client.ReadNamespacedPodAsync(name, ns);
            var now = DateTime.UtcNow;
            pod.Status ??= new V1PodStatus();
            pod.Status.Phase = "Running";
            pod.Status.PodIP = ip;
            pod.Status.PodIPs = [new V1PodIP { Ip = ip }];
            pod.Status.Conditions = [new V1PodCondition { Type = "Ready", Status = ready ? "True" : "False", LastTransitionTime = now }];
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

    public static V1Service Service(string name, string app, string targetPort = "web") => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1ServiceSpec
        {
            Selector = new Dictionary<string, string> { ["app"] = app },
            Ports = [new V1ServicePort { Name = "http", Port = 80, TargetPort = targetPort }],
        },
    };
}
