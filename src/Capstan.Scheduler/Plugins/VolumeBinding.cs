using System.Text.Json.Nodes;
using Capstan.Api.Kinds.Core;
using Capstan.Api.Validation;
using Capstan.Client.Cache;
using Capstan.Client.Dynamic;
using Capstan.Scheduler.Framework;

namespace Capstan.Scheduler.Plugins;

/// <summary>
/// kube-scheduler's VolumeBinding and VolumeRestrictions filters over the pod's persistentVolumeClaim and generic
/// ephemeral volumes: a missing or deleted claim, or an unbound claim of an Immediate class, keeps the pod pending; a
/// bound claim's PersistentVolume must allow the node (spec.nodeAffinity, as local and local-path volumes have); an
/// unbound WaitForFirstConsumer claim needs a free volume that fits on the node, or a provisioner (and, once chosen,
/// the node in its volume.kubernetes.io/selected-node annotation); a ReadWriteOncePod claim another pod uses fits nowhere.
/// The binder controller writes selected-node once the pod is bound.
/// </summary>
internal sealed class VolumeBinding(IndexedCache claims, IndexedCache volumes, IndexedCache classes, IndexedCache pods) : IFilterPlugin
{
    public const string NodeConflict = "node(s) had volume node affinity conflict";
    public const string NoVolume = "node(s) didn't find available persistent volumes to bind";
    public const string UnboundImmediate = "pod has unbound immediate PersistentVolumeClaims";
    public const string ReadWriteOncePodConflict = "node has pod using PersistentVolumeClaim with the same name and ReadWriteOncePod access mode";

    public string Name => "VolumeBinding";

    public bool AppliesTo(PodInfo pod) => pod.ClaimNames.Count > 0;

    public FilterStatus Filter(PodInfo pod, NodeInfo node)
    {
        foreach (var claimName in pod.ClaimNames)
        {
            var status = FilterClaim(pod, node, claimName);
            if (!status.IsSuccess)
            {
                return status;
            }
        }

        return FilterStatus.Success;
    }

    private FilterStatus FilterClaim(PodInfo pod, NodeInfo node, string claimName)
    {
        if (claims.Get($"{pod.Namespace}/{claimName}") is not { } claim)
        {
            return FilterStatus.Unresolvable(Name, $"persistentvolumeclaim \"{claimName}\" not found");
        }

        if (claim.IsBeingDeleted())
        {
            return FilterStatus.Unresolvable(Name, $"persistentvolumeclaim \"{claimName}\" is being deleted");
        }

        var claimSpec = claim["spec"] as JsonObject ?? new JsonObject();
        if (claimSpec.Strings("accessModes").Contains("ReadWriteOncePod") && UsedByOtherPod(pod, claimName))
        {
            return FilterStatus.Unresolvable("VolumeRestrictions", ReadWriteOncePodConflict);
        }

        if (claimSpec.StrOrEmpty("volumeName") is { Length: > 0 } volumeName)
        {
            if (volumes.Get(volumeName) is not { } pv)
            {
                return FilterStatus.Unresolvable(Name, $"pvc {claimName} was bound to a missing volume \"{volumeName}\"");
            }

            return Allows(pv, node) ? FilterStatus.Success : FilterStatus.Unresolvable(Name, NodeConflict);
        }

        var className = claimSpec.StrOrEmpty("storageClassName");
        var storageClass = className.Length == 0 ? null : classes.Get(className);
        if (storageClass?.StrOrEmpty("volumeBindingMode") != "WaitForFirstConsumer")
        {
            return FilterStatus.Unresolvable(Name, UnboundImmediate);
        }

        if (JsonAccess.AsString(claim["metadata"]?["annotations"]?["volume.kubernetes.io/selected-node"]) is { Length: > 0 } selected)
        {
            return selected == node.Name ? FilterStatus.Success : FilterStatus.Unresolvable(Name, NoVolume);
        }

        if (HasFreeVolume(claim, claimSpec, className, node))
        {
            return FilterStatus.Success;
        }

        var provisioner = storageClass.StrOrEmpty("provisioner");
        return provisioner.Length > 0 && provisioner != "kubernetes.io/no-provisioner" ? FilterStatus.Success : FilterStatus.Unschedulable(Name, NoVolume);
    }

    private bool HasFreeVolume(JsonObject claim, JsonObject claimSpec, string className, NodeInfo node)
    {
        ResourceListValidation.TryGetQuantity(claimSpec["resources"]?["requests"]?["storage"], out var requested);
        var modes = claimSpec.Strings("accessModes");
        foreach (var pv in volumes.List())
        {
            var pvSpec = pv["spec"] as JsonObject ?? new JsonObject();
            if (pvSpec["claimRef"] is JsonObject claimRef)
            {
                if (claimRef.StrOrEmpty("namespace") == claim.GetNamespace() && claimRef.StrOrEmpty("name") == claim.GetName() && Allows(pv, node))
                {
                    return true;
                }

                continue;
            }

            if (pvSpec.StrOrEmpty("storageClassName") == className
                && ResourceListValidation.TryGetQuantity(pvSpec["capacity"]?["storage"], out var capacity) && capacity >= requested
                && modes.All(pvSpec.Strings("accessModes").Contains)
                && !pv.IsBeingDeleted()
                && Allows(pv, node))
            {
                return true;
            }
        }

        return false;
    }

    private bool UsedByOtherPod(PodInfo pod, string claimName)
    {
        foreach (var other in pods.ByIndex(IndexedCache.NamespaceIndex, pod.Namespace))
        {
            if (other.GetUid() == pod.Uid || other["status"]?["phase"]?.ToString() is "Succeeded" or "Failed")
            {
                continue;
            }

            foreach (var (_, volume) in (other["spec"] as JsonObject ?? new JsonObject()).Items("volumes"))
            {
                if (PodVolumeClaims.ClaimName(other.GetName(), volume) == claimName)
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static bool Allows(JsonObject pv, NodeInfo node)
    {
        if (pv["spec"]?["nodeAffinity"]?["required"] is not JsonObject required)
        {
            return true;
        }

        return required.Items("nodeSelectorTerms").Any(t => NodeSelectorTerm.Parse(t.Item).Matches(node.Name, node.Labels));
    }
}
