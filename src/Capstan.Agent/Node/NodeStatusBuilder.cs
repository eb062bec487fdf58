using System.Globalization;
using k8s.Models;

namespace Capstan.Agent.Node;

/// <summary>The Node object the kubelet registers and the status it posts: labels, capacity, allocatable, addresses, conditions, nodeInfo.</summary>
public static class NodeStatusBuilder
{
    public const string KubeletVersion = "v1.32.0+capstan";

    public static Dictionary<string, string> Labels(AgentOptions options, MachineInfo machine)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["kubernetes.io/hostname"] = options.NodeName,
            ["kubernetes.io/os"] = "linux",
            ["kubernetes.io/arch"] = machine.Architecture,
            ["beta.kubernetes.io/os"] = "linux",
            ["beta.kubernetes.io/arch"] = machine.Architecture,
        };
        if (options.ControlPlane)
        {
            labels["node-role.kubernetes.io/control-plane"] = "true";
        }

        foreach (var (key, value) in options.NodeLabels)
        {
            labels[key] = value;
        }

        return labels;
    }

    public static Dictionary<string, ResourceQuantity> Capacity(AgentOptions options, MachineInfo machine) => new(StringComparer.Ordinal)
    {
        ["cpu"] = new ResourceQuantity(machine.Cpus.ToString(CultureInfo.InvariantCulture)),
        ["memory"] = new ResourceQuantity($"{machine.MemoryBytes / 1024}Ki"),
        ["ephemeral-storage"] = new ResourceQuantity($"{machine.EphemeralStorageBytes / 1024}Ki"),
        ["pods"] = new ResourceQuantity(options.MaxPods.ToString(CultureInfo.InvariantCulture)),
    };

    public static Dictionary<string, ResourceQuantity> Allocatable(AgentOptions options, MachineInfo machine)
    {
        var cpuMillis = Math.Max(0, (machine.Cpus * 1000L) - options.ReservedCpuMillis);
        var memory = Math.Max(0, machine.MemoryBytes - options.ReservedMemoryBytes);
        return new Dictionary<string, ResourceQuantity>(StringComparer.Ordinal)
        {
            ["cpu"] = new ResourceQuantity(cpuMillis % 1000 == 0 ? (cpuMillis / 1000).ToString(CultureInfo.InvariantCulture) : $"{cpuMillis}m"),
            ["memory"] = new ResourceQuantity(memory % 1024 == 0 ? $"{memory / 1024}Ki" : memory.ToString(CultureInfo.InvariantCulture)),
            ["ephemeral-storage"] = new ResourceQuantity($"{machine.EphemeralStorageBytes / 1024}Ki"),
            ["pods"] = new ResourceQuantity(options.MaxPods.ToString(CultureInfo.InvariantCulture)),
        };
    }

    /// <summary>
    /// The status to post; conditions keep their lastTransitionTime from <paramref name="previous"/> while their status is
    /// unchanged. MemoryPressure and DiskPressure follow <paramref name="pressure"/> (the eviction manager's verdict).
    /// </summary>
    public static V1NodeStatus Build(AgentOptions options, MachineInfo machine, string runtimeName, string runtimeVersion, IList<V1NodeCondition>? previous, DateTime now, Eviction.NodePressureState? pressure = null)
    {
        return new V1NodeStatus
        {
            Capacity = Capacity(options, machine),
            Allocatable = Allocatable(options, machine),
            Addresses =
            [
                new V1NodeAddress { Type = "InternalIP", Address = options.NodeIp.ToString() },
                new V1NodeAddress { Type = "Hostname", Address = options.NodeName },
            ],
            Conditions =
            [
                pressure?.Memory == true
                    ? Condition("MemoryPressure", "True", "KubeletHasInsufficientMemory", "kubelet has insufficient memory available", previous, now)
                    : Condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available", previous, now),
                pressure?.Disk == true
                    ? Condition("DiskPressure", "True", "KubeletHasDiskPressure", "kubelet has disk pressure", previous, now)
                    : Condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure", previous, now),
                Condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available", previous, now),
                Condition("Ready", "True", "KubeletReady", "kubelet is posting ready status", previous, now),
            ],
            DaemonEndpoints = new V1NodeDaemonEndpoints { KubeletEndpoint = new V1DaemonEndpoint { Port = options.DaemonPort } },
            NodeInfo = new V1NodeSystemInfo
            {
                MachineID = machine.MachineId,
                SystemUUID = machine.SystemUuid,
                BootID = machine.BootId,
                KernelVersion = machine.KernelVersion,
                OsImage = machine.OsImage,
                ContainerRuntimeVersion = $"{runtimeName}://{runtimeVersion}",
                KubeletVersion = KubeletVersion,
                KubeProxyVersion = KubeletVersion,
                OperatingSystem = "linux",
                Architecture = machine.Architecture,
            },
        };
    }

    /// <summary>True when the two differ in anything but the conditions' heartbeat times.</summary>
    public static bool Differs(V1NodeStatus desired, V1NodeStatus? current)
    {
        if (current is null)
        {
            return true;
        }

        static string Key(V1NodeStatus s) => k8s.KubernetesJson.Serialize(new V1NodeStatus
        {
            Capacity = s.Capacity,
            Allocatable = s.Allocatable,
            Addresses = s.Addresses,
            Conditions = s.Conditions?.OrderBy(c => c.Type, StringComparer.Ordinal)
                .Select(c => new V1NodeCondition { Type = c.Type, Status = c.Status, Reason = c.Reason, Message = c.Message, LastTransitionTime = c.LastTransitionTime })
                .ToList(),
            DaemonEndpoints = s.DaemonEndpoints,
            NodeInfo = s.NodeInfo,
        });

        return Key(desired) != Key(current);
    }

    private static V1NodeCondition Condition(string type, string status, string reason, string message, IList<V1NodeCondition>? previous, DateTime now)
    {
        var old = previous?.FirstOrDefault(c => c.Type == type);
        return new V1NodeCondition
        {
            Type = type,
            Status = status,
            Reason = reason,
            Message = message,
            LastHeartbeatTime = now,
            LastTransitionTime = old is not null && old.Status == status && old.LastTransitionTime is { } t ? t : now,
        };
    }
}
