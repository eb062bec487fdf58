using System.Text.Json.Nodes;
using Capstan.Scheduler.Framework;
using k8s;
using k8s.Models;

namespace Capstan.Scheduler.Tests;

/// <summary>Pods and nodes for unit tests, built as typed models and turned into the JSON the informers deliver.</summary>
internal static class TestObjects
{
    private static int _uid;

    public static JsonObject Json<T>(T model) => JsonNode.Parse(KubernetesJson.Serialize(model))!.AsObject();

    public static V1Container Container(string name = "c", string? cpu = null, string? memory = null, Dictionary<string, string>? extra = null)
    {
        var requests = new Dictionary<string, ResourceQuantity>();
        if (cpu is not null)
        {
            requests["cpu"] = new ResourceQuantity(cpu);
        }

        if (memory is not null)
        {
            requests["memory"] = new ResourceQuantity(memory);
        }

        foreach (var (k, v) in extra ?? [])
        {
            requests[k] = new ResourceQuantity(v);
        }

        return new V1Container { Name = name, Image = "busybox", Resources = new V1ResourceRequirements { Requests = requests.Count == 0 ? null : requests } };
    }

    public static V1Pod Pod(string name = "p", params V1Container[] containers) => new()
    {
        ApiVersion = "v1",
        Kind = "Pod",
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default", Uid = $"uid-{Interlocked.Increment(ref _uid)}", ResourceVersion = "1" },
        Spec = new V1PodSpec { SchedulerName = "default-scheduler", Containers = containers.Length == 0 ? [Container()] : [.. containers] },
    };

    public static PodInfo Info(V1Pod pod) => PodInfo.From(Json(pod));

    public static PodInfo Info(string cpu, string memory, string name = "p") => Info(Pod(name, Container(cpu: cpu, memory: memory)));

    public static V1Node Node(string name, string cpu = "4", string memory = "8Gi", string pods = "110", Dictionary<string, string>? labels = null, params V1Taint[] taints) => new()
    {
        ApiVersion = "v1",
        Kind = "Node",
        Metadata = new V1ObjectMeta { Name = name, Labels = labels ?? new Dictionary<string, string> { ["kubernetes.io/hostname"] = name }, ResourceVersion = "1" },
        Spec = new V1NodeSpec { Taints = taints.Length == 0 ? null : [.. taints] },
        Status = new V1NodeStatus
        {
            Allocatable = new Dictionary<string, ResourceQuantity>
            {
                ["cpu"] = new(cpu),
                ["memory"] = new(memory),
                ["ephemeral-storage"] = new("100Gi"),
                ["pods"] = new(pods),
            },
        },
    };

    public static NodeInfo NodeInfo(V1Node node) => Capstan.Scheduler.Framework.NodeInfo.FromNode(Json(node));

    public static NodeInfo NodeInfo(string name, string cpu = "4", string memory = "8Gi") => NodeInfo(Node(name, cpu, memory));
}
