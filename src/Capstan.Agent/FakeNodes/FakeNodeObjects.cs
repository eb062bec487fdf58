using System.Globalization;
using System.Text.Json.Nodes;
using k8s.Models;

namespace Capstan.Agent.FakeNodes;

/// <summary>The objects a simulated node writes: its Node, its Lease and the status that makes a pod Running and Ready.</summary>
public static class FakeNodeObjects
{
    /// <summary>Every simulated node carries this label (KWOK marks its nodes with type=kwok the same way).</summary>
    public const string TypeLabel = "capstan.io/fake-node";

    public const string ZoneLabel = "topology.kubernetes.io/zone";

    public static V1Node Node(FakeNodeOptions options, int index)
    {
        var name = options.NodeName(index);
        var labels = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["kubernetes.io/hostname"] = name,
            ["kubernetes.io/os"] = "linux",
            ["kubernetes.io/arch"] = "amd64",
            ["beta.kubernetes.io/os"] = "linux",
            ["beta.kubernetes.io/arch"] = "amd64",
            [TypeLabel] = "true",
        };
        if (options.Zones > 0)
        {
            labels[ZoneLabel] = "zone-" + (index % options.Zones).ToString(CultureInfo.InvariantCulture);
        }

        foreach (var (key, value) in options.Labels)
        {
            labels[key] = value;
        }

        return new V1Node
        {
            ApiVersion = "v1",
            Kind = "Node",
            Metadata = new V1ObjectMeta { Name = name, Labels = labels },
            Spec = new V1NodeSpec
            {
                Taints = options.Taints.Count == 0 ? null : [.. options.Taints.Select(t => new V1Taint { Key = t.Key, Value = t.Value.Length == 0 ? null : t.Value, Effect = t.Effect })],
            },
        };
    }

    public static V1NodeStatus Status(FakeNodeOptions options, int index, DateTime now)
    {
        var resources = options.Capacity.ToDictionary(kv => kv.Key, kv => new ResourceQuantity(kv.Value), StringComparer.Ordinal);
        return new V1NodeStatus
        {
            Capacity = resources,
            Allocatable = new Dictionary<string, ResourceQuantity>(resources, StringComparer.Ordinal),
            Addresses =
            [
                new V1NodeAddress { Type = "InternalIP", Address = NodeIp(index) },
                new V1NodeAddress { Type = "Hostname", Address = options.NodeName(index) },
            ],
            Conditions =
            [
                Condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available", now),
                Condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure", now),
                Condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available", now),
                Condition("Ready", "True", "KubeletReady", "kubelet is posting ready status (simulated node)", now),
            ],
            NodeInfo = new V1NodeSystemInfo
            {
                MachineID = "fake",
                SystemUUID = "fake",
                BootID = "fake",
                KernelVersion = "fake",
                OsImage = "Capstan simulated node",
                ContainerRuntimeVersion = "fake://1.0.0",
                KubeletVersion = Capstan.Agent.Node.NodeStatusBuilder.KubeletVersion,
                KubeProxyVersion = Capstan.Agent.Node.NodeStatusBuilder.KubeletVersion,
                OperatingSystem = "linux",
                Architecture = "amd64",
            },
        };
    }

    public static V1Lease Lease(string nodeName, string nodeUid, TimeSpan duration, DateTime now) => new()
    {
        ApiVersion = "coordination.k8s.io/v1",
        Kind = "Lease",
        Metadata = new V1ObjectMeta
        {
            Name = nodeName,
            NamespaceProperty = Capstan.Agent.Node.NodeLeaseRenewer.LeaseNamespace,
            OwnerReferences = nodeUid.Length == 0 ? null : [new V1OwnerReference { ApiVersion = "v1", Kind = "Node", Name = nodeName, Uid = nodeUid }],
        },
        Spec = new V1LeaseSpec { HolderIdentity = nodeName, LeaseDurationSeconds = (int)Math.Ceiling(duration.TotalSeconds), RenewTime = now },
    };

    /// <summary>
    /// A strategic-merge patch of pods/status that says every container started and is ready, as the kubelet would once
    /// the containers run: phase Running, the four conditions True, hostIP and a pod IP.
    /// </summary>
    public static string RunningPatch(JsonObject pod, string hostIp, string podIp, DateTimeOffset now)
    {
        var time = now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var statuses = new JsonArray();
        foreach (var (name, image) in Containers(pod, "containers"))
        {
            statuses.Add(new JsonObject
            {
                ["name"] = name,
                ["image"] = image,
                ["imageID"] = "fake://" + image,
                ["containerID"] = "fake://" + pod["metadata"]?["uid"]?.GetValue<string>() + "/" + name,
                ["ready"] = true,
                ["started"] = true,
                ["restartCount"] = 0,
                ["state"] = new JsonObject { ["running"] = new JsonObject { ["startedAt"] = time } },
            });
        }

        var initStatuses = new JsonArray();
        foreach (var (name, image) in Containers(pod, "initContainers"))
        {
            initStatuses.Add(new JsonObject
            {
                ["name"] = name,
                ["image"] = image,
                ["imageID"] = "fake://" + image,
                ["ready"] = true,
                ["restartCount"] = 0,
                ["state"] = new JsonObject
                {
                    ["terminated"] = new JsonObject { ["exitCode"] = 0, ["reason"] = "Completed", ["startedAt"] = time, ["finishedAt"] = time },
                },
            });
        }

        var status = new JsonObject
        {
            ["phase"] = "Running",
            ["hostIP"] = hostIp,
            ["hostIPs"] = new JsonArray(new JsonObject { ["ip"] = hostIp }),
            ["podIP"] = podIp,
            ["podIPs"] = new JsonArray(new JsonObject { ["ip"] = podIp }),
            ["startTime"] = time,
            ["qosClass"] = QosClass(pod),
            ["conditions"] = new JsonArray(
                Condition("PodReadyToStartContainers", time),
                Condition("Initialized", time),
                Condition("Ready", time),
                Condition("ContainersReady", time),
                Condition("PodScheduled", time)),
            ["containerStatuses"] = statuses,
        };
        if (initStatuses.Count > 0)
        {
            status["initContainerStatuses"] = initStatuses;
        }

        return new JsonObject { ["status"] = status }.ToJsonString();
    }

    /// <summary>Whether a pod already shows what <see cref="RunningPatch"/> writes.</summary>
    public static bool IsRunningAndReady(JsonObject pod)
    {
        var status = pod["status"] as JsonObject;
        if (status?["phase"]?.GetValue<string>() != "Running")
        {
            return false;
        }

        return status["conditions"] is JsonArray conditions && conditions.OfType<JsonObject>()
            .Any(c => c["type"]?.GetValue<string>() == "Ready" && c["status"]?.GetValue<string>() == "True");
    }

    /// <summary>An InternalIP for node <paramref name="index"/>: 10.128.0.0/9 has room for eight million nodes.</summary>
    public static string NodeIp(int index) => Address(0x0A800000u + (uint)index + 1);

    /// <summary>Pod IPs come from 10.0.0.0/9, in order.</summary>
    public static string PodIp(long sequence) => Address(0x0A000000u + (uint)(sequence % 0x7FFFFE) + 1);

    /// <summary>Guaranteed when every container has equal cpu and memory requests and limits; BestEffort when none has any.</summary>
    public static string QosClass(JsonObject pod)
    {
        var containers = (pod["spec"]?["containers"] as JsonArray)?.OfType<JsonObject>()
            .Concat((pod["spec"]?["initContainers"] as JsonArray)?.OfType<JsonObject>() ?? []).ToList() ?? [];
        var any = false;
        var guaranteed = containers.Count > 0;
        foreach (var container in containers)
        {
            var requests = container["resources"]?["requests"] as JsonObject;
            var limits = container["resources"]?["limits"] as JsonObject;
            any |= requests?.Count > 0 || limits?.Count > 0;
            foreach (var resource in new[] { "cpu", "memory" })
            {
                var limit = limits?[resource]?.ToString();
                var request = requests?[resource]?.ToString() ?? limit;
                if (limit is null || request != limit)
                {
                    guaranteed = false;
                }
            }
        }

        return !any ? "BestEffort" : guaranteed ? "Guaranteed" : "Burstable";
    }

    private static IEnumerable<(string Name, string Image)> Containers(JsonObject pod, string field) =>
        (pod["spec"]?[field] as JsonArray)?.OfType<JsonObject>()
            .Select(c => (c["name"]?.GetValue<string>() ?? "", c["image"]?.GetValue<string>() ?? "")) ?? [];

    private static JsonObject Condition(string type, string time) => new()
    {
        ["type"] = type,
        ["status"] = "True",
        ["lastProbeTime"] = null,
        ["lastTransitionTime"] = time,
    };

    private static V1NodeCondition Condition(string type, string status, string reason, string message, DateTime now) => new()
    {
        Type = type,
        Status = status,
        Reason = reason,
        Message = message,
        LastHeartbeatTime = now,
        LastTransitionTime = now,
    };

    private static string Address(uint value) =>
        string.Create(CultureInfo.InvariantCulture, $"{value >> 24}.{(value >> 16) & 0xFF}.{(value >> 8) & 0xFF}.{value & 0xFF}");
}
