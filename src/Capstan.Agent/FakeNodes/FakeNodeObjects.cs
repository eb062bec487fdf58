using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s.Models;

namespace Capstan.Agent.FakeNodes;

/// <summary>The objects a simulated node writes: its Node, its Lease and the status that makes a pod Running and Ready.</summary>
public static class FakeNodeObjects
{
    /// <summary>Every simulated node carries this label (KWOK marks its nodes with type=kwok the same way).</summary>
    public const string TypeLabel = "capstan.io/fake-node";

    public const string ZoneLabel = "topology.kubernetes.io/zone";

    // The conditions a running pod's status lists, in the kubelet's order.
    private static readonly string[] s_runningConditions = ["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"];

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
    /// <remarks>Written straight to UTF-8 JSON: a simulated node sends one per pod, and building it as a JsonObject tree
    /// first cost about 1 % of the server's allocation on the scheduler bench.</remarks>
    public static byte[] RunningPatch(JsonObject pod, string hostIp, string podIp, DateTimeOffset now)
    {
        var time = now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var uid = pod["metadata"]?["uid"]?.GetValue<string>();
        var buffer = new ArrayBufferWriter<byte>(2048);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("status");
            writer.WriteString("phase", "Running");
            writer.WriteString("hostIP", hostIp);
            WriteIps(writer, "hostIPs", hostIp);
            writer.WriteString("podIP", podIp);
            WriteIps(writer, "podIPs", podIp);
            writer.WriteString("startTime", time);
            writer.WriteString("qosClass", QosClass(pod));
            writer.WriteStartArray("conditions");
            foreach (var type in s_runningConditions)
            {
                writer.WriteStartObject();
                writer.WriteString("type", type);
                writer.WriteString("status", "True");
                writer.WriteNull("lastProbeTime");
                writer.WriteString("lastTransitionTime", time);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteStartArray("containerStatuses");
            foreach (var (name, image) in Containers(pod, "containers"))
            {
                writer.WriteStartObject();
                writer.WriteString("name", name);
                writer.WriteString("image", image);
                writer.WriteString("imageID", "fake://" + image);
                writer.WriteString("containerID", "fake://" + uid + "/" + name);
                writer.WriteBoolean("ready", true);
                writer.WriteBoolean("started", true);
                writer.WriteNumber("restartCount", 0);
                writer.WriteStartObject("state");
                writer.WriteStartObject("running");
                writer.WriteString("startedAt", time);
                writer.WriteEndObject();
                writer.WriteEndObject();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            var init = false;
            foreach (var (name, image) in Containers(pod, "initContainers"))
            {
                if (!init)
                {
                    writer.WriteStartArray("initContainerStatuses");
                    init = true;
                }

                writer.WriteStartObject();
                writer.WriteString("name", name);
                writer.WriteString("image", image);
                writer.WriteString("imageID", "fake://" + image);
                writer.WriteBoolean("ready", true);
                writer.WriteNumber("restartCount", 0);
                writer.WriteStartObject("state");
                writer.WriteStartObject("terminated");
                writer.WriteNumber("exitCode", 0);
                writer.WriteString("reason", "Completed");
                writer.WriteString("startedAt", time);
                writer.WriteString("finishedAt", time);
                writer.WriteEndObject();
                writer.WriteEndObject();
                writer.WriteEndObject();
            }

            if (init)
            {
                writer.WriteEndArray();
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteIps(Utf8JsonWriter writer, string name, string ip)
    {
        writer.WriteStartArray(name);
        writer.WriteStartObject();
        writer.WriteString("ip", ip);
        writer.WriteEndObject();
        writer.WriteEndArray();
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
