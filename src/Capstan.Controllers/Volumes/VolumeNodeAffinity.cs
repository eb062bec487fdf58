using System.Text.Json.Nodes;
using Capstan.Api.Validation;

namespace Capstan.Controllers.Volumes;

/// <summary>Whether a node may use a PersistentVolume: its spec.nodeAffinity.required terms (ORed; expressions within a term ANDed).</summary>
internal static class VolumeNodeAffinity
{
    /// <summary>True when the volume has no required node affinity or one of its terms matches the node.</summary>
    public static bool Allows(JsonObject volume, string nodeName, IReadOnlyDictionary<string, string> nodeLabels)
    {
        if (volume["spec"]?["nodeAffinity"]?["required"] is not JsonObject required)
        {
            return true;
        }

        return required.Items("nodeSelectorTerms").Any(t => Nodes.NodeSelectorTerm.Matches(t.Item, nodeName, nodeLabels));
    }
}
