using System.Text.Json.Nodes;
using Capstan.Api.Validation;
using Capstan.Client.Cache;
using Capstan.Client.Dynamic;
using Capstan.Scheduler.Framework;

namespace Capstan.Scheduler.Plugins;

/// <summary>
/// kube-scheduler's NodeVolumeLimits for CSI drivers: a node's CSINode names, per driver, how many volumes the node
/// can have attached (<c>spec.drivers[].allocatable.count</c>); a pod fits only if the distinct volumes of each driver,
/// those of the pods already on the node plus the pod's new ones, stay within it. A claim bound to a CSI volume counts
/// as that driver's volume handle; an unbound claim counts under its class's provisioner; claims bound to volumes of
/// other kinds (local, hostPath) and nodes without a CSINode or a limit are not limited.
/// </summary>
internal sealed class NodeVolumeLimits(IndexedCache csiNodes, IndexedCache claims, IndexedCache volumes, IndexedCache classes) : IFilterPlugin
{
    public const string MaxVolumeCountExceeded = "node(s) exceed max volume count";

    // Unbound claims count under a name no volume handle can have, so they are never merged with a bound volume.
    private const string UnboundPrefix = "\0unbound/";

    public string Name => "NodeVolumeLimits";

    // Only claims (persistentVolumeClaim or generic ephemeral volumes) count against a limit.
    public bool AppliesTo(PodInfo pod) => pod.ClaimNames.Count > 0;

    public FilterStatus Filter(PodInfo pod, NodeInfo node)
    {
        if (pod.ClaimNames.Count == 0)
        {
            return FilterStatus.Success;
        }

        var limits = Limits(node.Name);
        if (limits.Count == 0)
        {
            return FilterStatus.Success;
        }

        var added = new Dictionary<string, string>(StringComparer.Ordinal);
        AttachableVolumes(pod, added);
        if (added.Count == 0)
        {
            return FilterStatus.Success;
        }

        var attached = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var existing in node.Pods)
        {
            if (existing.Uid != pod.Uid)
            {
                AttachableVolumes(existing, attached);
            }
        }

        var attachedPerDriver = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (volume, driver) in attached)
        {
            // A volume the node already has (a claim shared by two pods) is not attached twice.
            added.Remove(volume);
            attachedPerDriver[driver] = attachedPerDriver.GetValueOrDefault(driver) + 1;
        }

        foreach (var group in added.Values.GroupBy(d => d, StringComparer.Ordinal))
        {
            if (limits.TryGetValue(group.Key, out var limit) && attachedPerDriver.GetValueOrDefault(group.Key) + group.Count() > limit)
            {
                return FilterStatus.Unschedulable(Name, MaxVolumeCountExceeded);
            }
        }

        return FilterStatus.Success;
    }

    private Dictionary<string, long> Limits(string nodeName)
    {
        var limits = new Dictionary<string, long>(StringComparer.Ordinal);
        if (csiNodes.Get(nodeName) is not { } csiNode || csiNode["spec"] is not JsonObject spec)
        {
            return limits;
        }

        foreach (var (_, driver) in spec.Items("drivers"))
        {
            if (JsonAccess.AsLong(driver["allocatable"]?["count"]) is { } limit && driver.StrOrEmpty("name") is { Length: > 0 } name)
            {
                limits[name] = limit;
            }
        }

        return limits;
    }

    /// <summary>Adds the pod's volumes that count against a CSI limit: unique volume name → driver.</summary>
    private void AttachableVolumes(PodInfo pod, Dictionary<string, string> result)
    {
        foreach (var claimName in pod.ClaimNames)
        {
            // Missing claims are VolumeBinding's to report; a pod already on the node with one attaches nothing.
            if (claimName.Length == 0 || claims.Get($"{pod.Namespace}/{claimName}") is not { } claim)
            {
                continue;
            }

            if (Driver(claim) is ({ Length: > 0 } driver, { Length: > 0 } handle))
            {
                result[$"{driver}/{handle}"] = driver;
            }
        }
    }

    private (string Driver, string Handle) Driver(JsonObject claim)
    {
        var claimSpec = claim["spec"] as JsonObject;
        if (claimSpec?.StrOrEmpty("volumeName") is { Length: > 0 } volumeName && volumes.Get(volumeName) is { } pv)
        {
            return pv["spec"]?["csi"] is JsonObject csi ? (csi.StrOrEmpty("driver"), csi.StrOrEmpty("volumeHandle")) : ("", "");
        }

        // Not bound yet: it will be provisioned by its class's driver.
        var className = claimSpec?.StrOrEmpty("storageClassName") ?? "";
        if (className.Length == 0 || classes.Get(className) is not { } storageClass)
        {
            return ("", "");
        }

        return (storageClass.StrOrEmpty("provisioner"), $"{UnboundPrefix}{claim.GetNamespace()}/{claim.GetName()}");
    }
}
