using System.Text.Json.Nodes;
using Capstan.Api.Selectors;
using Capstan.Client.Dynamic;

namespace Capstan.Controllers.Volumes.Binding;

/// <summary>
/// Picks the volume a claim binds to, as Kubernetes' findMatchingVolume does: a volume pre-bound to the claim (claimRef)
/// wins; otherwise the smallest free volume of the claim's class whose capacity, access modes, volume mode, labels
/// (the claim's selector) and node affinity (the selected node, for WaitForFirstConsumer) fit.
/// </summary>
internal static class ClaimMatcher
{
    /// <param name="node">The scheduler's node for a delayed-binding claim: (name, labels); null when none was picked.</param>
    /// <param name="delayBinding">The claim's class is WaitForFirstConsumer: without a node only pre-bound volumes match.</param>
    public static JsonObject? FindBest(JsonObject claim, IEnumerable<JsonObject> volumes, (string Name, IReadOnlyDictionary<string, string> Labels)? node, bool delayBinding)
    {
        var requested = VolumeFacts.Requested(claim);
        var claimClass = VolumeFacts.ClassOf(claim);
        var claimSpec = VolumeFacts.Spec(claim);
        LabelSelector? selector = claimSpec["selector"] is JsonObject sel && LabelSelector.TryFromObject(sel, out var parsed, out _) ? parsed : null;
        JsonObject? best = null;
        foreach (var volume in volumes)
        {
            var capacity = VolumeFacts.Capacity(volume);
            if (capacity < requested || VolumeFacts.VolumeMode(volume) != VolumeFacts.VolumeMode(claim) || volume.IsBeingDeleted())
            {
                continue;
            }

            var nodeOk = node is not { } n || VolumeNodeAffinity.Allows(volume, n.Name, n.Labels);
            if (VolumeFacts.IsBoundTo(volume, claim))
            {
                return nodeOk ? volume : null;
            }

            if ((node is null && delayBinding)
                || VolumeFacts.ClaimRef(volume) is not null
                || !VolumeFacts.AccessModesSatisfy(volume, claim)
                || (selector is not null && !selector.MatchesLabelsOf(volume))
                || VolumeFacts.ClassOf(volume) != claimClass
                || !nodeOk
                || VolumeFacts.Phase(volume) is "Released" or "Failed")
            {
                continue;
            }

            if (best is null || VolumeFacts.Capacity(best) > capacity)
            {
                best = volume;
            }
        }

        return best;
    }

    /// <summary>Why a volume named by the claim's volumeName cannot serve it, or null when it can (checkVolumeSatisfyClaim).</summary>
    public static string? Mismatch(JsonObject volume, JsonObject claim)
    {
        if (VolumeFacts.Capacity(volume) < VolumeFacts.Requested(claim))
        {
            return "requested PV is too small";
        }

        if (VolumeFacts.ClassOf(volume) != VolumeFacts.ClassOf(claim))
        {
            return "storageClassName does not match";
        }

        if (VolumeFacts.VolumeMode(volume) != VolumeFacts.VolumeMode(claim))
        {
            return "incompatible volumeMode";
        }

        return null;
    }
}
