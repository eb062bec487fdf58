using System.Globalization;
using System.Text.Json.Nodes;
using Capstan.Api.Selectors;
using Capstan.Api.Validation;
using Capstan.Client.Dynamic;
using Capstan.Controllers.NodeLifecycle;

namespace Capstan.Controllers.DaemonSet;

/// <summary>
/// Whether a daemon pod belongs on a node (Kubernetes' NodeShouldRunDaemonPod): nodeSelector and required node affinity
/// must match, and the node's taints be tolerated by the pod's tolerations plus the defaults DaemonSet pods get. A pod
/// should run where NoSchedule and NoExecute taints are tolerated, and may continue running where only the NoExecute ones are.
/// </summary>
internal static class NodeEligibility
{
    /// <summary>The tolerations Kubernetes adds to every daemon pod, so node conditions do not evict or block it.</summary>
    public static IReadOnlyList<JsonObject> DefaultTolerations() =>
    [
        Toleration("node.kubernetes.io/not-ready", "NoExecute"),
        Toleration("node.kubernetes.io/unreachable", "NoExecute"),
        Toleration("node.kubernetes.io/disk-pressure", "NoSchedule"),
        Toleration("node.kubernetes.io/memory-pressure", "NoSchedule"),
        Toleration("node.kubernetes.io/pid-pressure", "NoSchedule"),
        Toleration("node.kubernetes.io/unschedulable", "NoSchedule"),
    ];

    /// <summary>The pod spec's tolerations with the defaults (and network-unavailable for host-network pods) added where no toleration with the same key and effect exists.</summary>
    public static JsonArray WithDefaultTolerations(JsonObject podSpec)
    {
        var result = new JsonArray();
        foreach (var (_, t) in podSpec.Items("tolerations"))
        {
            result.Add(t.DeepClone());
        }

        IEnumerable<JsonObject> defaults = DefaultTolerations();
        if (podSpec.Bool("hostNetwork") == true)
        {
            // A host-network daemon does not need the pod network, so it may start before the network plugin is up.
            defaults = defaults.Append(Toleration("node.kubernetes.io/network-unavailable", "NoSchedule"));
        }

        foreach (var d in defaults)
        {
            var present = result.OfType<JsonObject>().Any(t => t.StrOrEmpty("key") == d.StrOrEmpty("key") && t.StrOrEmpty("effect") == d.StrOrEmpty("effect"));
            if (!present)
            {
                result.Add(d);
            }
        }

        return result;
    }

    /// <summary>(ShouldRun, ShouldContinueRunning) for a pod with <paramref name="podSpec"/> on <paramref name="node"/>.</summary>
    public static (bool ShouldRun, bool ShouldContinueRunning) Evaluate(JsonObject node, JsonObject podSpec)
    {
        var name = node.GetName();
        var nodeName = podSpec.StrOrEmpty("nodeName");
        if (nodeName.Length > 0 && nodeName != name)
        {
            return (false, false);
        }

        var labels = LabelSelector.ToDictionary(node["metadata"]?["labels"] as JsonObject);
        if (!MatchesNodeSelector(podSpec, labels) || !MatchesRequiredAffinity(podSpec, name, labels))
        {
            return (false, false);
        }

        var tolerations = WithDefaultTolerations(podSpec).OfType<JsonObject>().ToList();
        var taints = node["spec"] is JsonObject spec ? spec.Items("taints").Select(t => t.Item).ToList() : [];
        bool Tolerated(JsonObject taint) => tolerations.Any(t => Tolerations.Tolerates(t, taint));
        var noExecuteOk = taints.Where(t => t.StrOrEmpty("effect") == "NoExecute").All(Tolerated);
        var noScheduleOk = taints.Where(t => t.StrOrEmpty("effect") == "NoSchedule").All(Tolerated);
        return (noExecuteOk && noScheduleOk, noExecuteOk);
    }

    private static bool MatchesNodeSelector(JsonObject podSpec, IReadOnlyDictionary<string, string> labels) =>
        podSpec.StringMap("nodeSelector").All(p => labels.TryGetValue(p.Key, out var v) && v == p.Value);

    /// <summary>Any term of requiredDuringSchedulingIgnoredDuringExecution matches; no required affinity matches every node.</summary>
    private static bool MatchesRequiredAffinity(JsonObject podSpec, string nodeName, IReadOnlyDictionary<string, string> labels)
    {
        if (podSpec["affinity"]?["nodeAffinity"]?["requiredDuringSchedulingIgnoredDuringExecution"] is not JsonObject required)
        {
            return true;
        }

        return required.Items("nodeSelectorTerms").Any(term => Nodes.NodeSelectorTerm.Matches(term.Item, nodeName, labels));
    }

    private static JsonObject Toleration(string key, string effect) => new() { ["key"] = key, ["operator"] = "Exists", ["effect"] = effect };
}
