using System.Text.Json.Nodes;
using Capstan.Api.Kinds.Core;
using Capstan.Api.Validation;
using Capstan.Client.Dynamic;
using Capstan.Api.Text;

namespace Capstan.Scheduler.Framework;

/// <summary>
/// Everything the scheduler reads from one version of a pod, parsed once when the informer delivers it, so that
/// filters and scores never touch JSON. Immutable; a new version of the pod makes a new PodInfo.
/// </summary>
public sealed class PodInfo
{
    // The JsonObject while the pod waits to be scheduled (the queue and plugins read it); none once the pod is bound: the
    // cache holds every bound pod of the cluster, and what decisions read of them is parsed out below.
    private readonly JsonObject? _source;

    private PodInfo(JsonObject obj)
    {
        var spec = obj.Obj("spec");
        var status = obj.Obj("status");
        Key = obj.GetKey();
        // What repeats across pods (namespace, node, scheduler, phase, labels, tolerations) is interned: the scheduler
        // holds every bound pod of the cluster, and at 10,000 pods these were ~10 MB of copies of a few dozen strings.
        var strings = StringTable.Shared;
        Namespace = strings.Intern(obj.GetNamespace());
        Name = obj.GetName();
        Uid = obj.GetUid();
        SchedulerName = strings.Intern(spec?.StrOrEmpty("schedulerName") ?? "");
        NodeName = strings.Intern(spec?.StrOrEmpty("nodeName") ?? "");
        Phase = strings.Intern(status?.StrOrEmpty("phase") ?? "");
        NominatedNodeName = status?.StrOrEmpty("nominatedNodeName") ?? "";
        IsDeleting = obj.IsBeingDeleted();
        Priority = (int)(spec?.Long("priority") ?? 0);
        PreemptionPolicy = spec?.Str("preemptionPolicy") is { Length: > 0 } policy ? strings.Intern(policy) : "PreemptLowerPriority";
        Requests = PodResources.Requests(spec);
        NonZeroRequests = PodResources.NonZeroRequests(spec);
        NodeSelector = spec?.Obj("nodeSelector") is { } selector
            ? selector.Where(kv => kv.Value is JsonValue).ToDictionary(kv => kv.Key, kv => JsonAccess.AsString(kv.Value) ?? "", StringComparer.Ordinal)
            : null;
        var nodeAffinity = spec?.Obj("affinity")?.Obj("nodeAffinity");
        if (nodeAffinity?.Obj("requiredDuringSchedulingIgnoredDuringExecution") is { } required)
        {
            RequiredNodeAffinity = [.. required.Items("nodeSelectorTerms").Select(t => NodeSelectorTerm.Parse(t.Item))];
        }

        PreferredNodeAffinity = nodeAffinity is null
            ? []
            : [.. nodeAffinity.Items("preferredDuringSchedulingIgnoredDuringExecution")
                .Select(p => new PreferredSchedulingTerm((int)(p.Item.Long("weight") ?? 0), NodeSelectorTerm.Parse(p.Item.Obj("preference") ?? new JsonObject())))];
        IsSchedulingGated = spec?.HasEntries("schedulingGates") == true;
        Labels = obj.Obj("metadata")?.Obj("labels") is { } podLabels ? InternedLabels(podLabels) : NoLabels;
        var affinity = spec?.Obj("affinity");
        RequiredAffinity = Terms(affinity?.Obj("podAffinity"), Namespace, Labels, required: true);
        PreferredAffinity = Terms(affinity?.Obj("podAffinity"), Namespace, Labels, required: false);
        RequiredAntiAffinity = Terms(affinity?.Obj("podAntiAffinity"), Namespace, Labels, required: true);
        PreferredAntiAffinity = Terms(affinity?.Obj("podAntiAffinity"), Namespace, Labels, required: false);
        SpreadConstraints = spec is null ? [] : [.. spec.Items("topologySpreadConstraints").Select(c => TopologySpreadConstraint.Parse(c.Item, Labels))];
        Tolerations = Toleration.ParseAll(spec);
        HostPorts = ParseHostPorts(spec);
        var scheduled = status?.Items("conditions").Select(c => c.Item).FirstOrDefault(c => c.Str("type") == "PodScheduled");
        ScheduledCondition = scheduled is null ? null : (strings.Intern(scheduled.StrOrEmpty("status")), strings.Intern(scheduled.StrOrEmpty("reason")), scheduled.StrOrEmpty("message"));
        ClaimNames = spec is null ? [] : [.. spec.Items("volumes").Select(v => PodVolumeClaims.ClaimName(Name, v.Item)).OfType<string>()];
        _source = IsAssigned ? null : obj;
    }

    private static readonly IReadOnlyDictionary<string, string> NoLabels = new Dictionary<string, string>();

    /// <summary>A labels object's string values by key, keys and values from <see cref="StringTable.Shared"/>.</summary>
    internal static Dictionary<string, string> InternedLabels(JsonObject labels)
    {
        var result = new Dictionary<string, string>(labels.Count, StringComparer.Ordinal);
        foreach (var (key, value) in labels)
        {
            if (value is JsonValue)
            {
                result[StringTable.Shared.Intern(key)] = StringTable.Shared.Intern(JsonAccess.AsString(value) ?? "");
            }
        }

        return result;
    }

    /// <summary>The object as the informer delivered it (shared, never changed), while the pod is not bound.</summary>
    public JsonObject Object => _source ?? throw new InvalidOperationException($"the scheduler keeps no object of bound pod {Key}");

    /// <summary>The claims the pod's volumes use (persistentVolumeClaim, or a generic ephemeral volume's &lt;pod&gt;-&lt;volume&gt;).</summary>
    public IReadOnlyList<string> ClaimNames { get; }

    public string Key { get; }

    public string Namespace { get; }

    public string Name { get; }

    public string Uid { get; }

    public string SchedulerName { get; }

    public string NodeName { get; }

    public string Phase { get; }

    /// <summary>status.nominatedNodeName: the node preemption made room on, while the pod waits for it.</summary>
    public string NominatedNodeName { get; }

    public bool IsDeleting { get; }

    /// <summary>spec.schedulingGates is not empty: the pod waits until they are all removed.</summary>
    public bool IsSchedulingGated { get; }

    public int Priority { get; }

    public string PreemptionPolicy { get; }

    public Resources Requests { get; }

    public Resources NonZeroRequests { get; }

    /// <summary>spec.nodeSelector, or null when absent.</summary>
    public IReadOnlyDictionary<string, string>? NodeSelector { get; }

    /// <summary>The required node affinity's terms (any one must match), or null when there is none.</summary>
    public IReadOnlyList<NodeSelectorTerm>? RequiredNodeAffinity { get; }

    public IReadOnlyList<PreferredSchedulingTerm> PreferredNodeAffinity { get; }

    public IReadOnlyList<Toleration> Tolerations { get; }

    public IReadOnlyDictionary<string, string> Labels { get; }

    public IReadOnlyList<PodAffinityTerm> RequiredAffinity { get; }

    public IReadOnlyList<PodAffinityTerm> PreferredAffinity { get; }

    public IReadOnlyList<PodAffinityTerm> RequiredAntiAffinity { get; }

    public IReadOnlyList<PodAffinityTerm> PreferredAntiAffinity { get; }

    public IReadOnlyList<TopologySpreadConstraint> SpreadConstraints { get; }

    /// <summary>Whether the pod carries any pod affinity or anti-affinity term (which other pods' decisions must honour).</summary>
    public bool HasPodAffinity => RequiredAffinity.Count + PreferredAffinity.Count + RequiredAntiAffinity.Count + PreferredAntiAffinity.Count > 0;

    public IReadOnlyList<HostPort> HostPorts { get; }

    /// <summary>The PodScheduled condition's status, reason and message, or null when the pod has none.</summary>
    public (string Status, string Reason, string Message)? ScheduledCondition { get; }

    public bool IsAssigned => NodeName.Length > 0;

    /// <summary>Succeeded or Failed: its resources are free again.</summary>
    public bool IsTerminated => Phase is "Succeeded" or "Failed";

    public static PodInfo From(JsonObject pod) => new(pod);

    private static IReadOnlyList<PodAffinityTerm> Terms(JsonObject? affinity, string ns, IReadOnlyDictionary<string, string> labels, bool required)
    {
        if (affinity is null)
        {
            return [];
        }

        return required
            ? [.. affinity.Items("requiredDuringSchedulingIgnoredDuringExecution").Select(t => PodAffinityTerm.Parse(t.Item, ns, labels, 0))]
            : [.. affinity.Items("preferredDuringSchedulingIgnoredDuringExecution")
                .Where(t => t.Item.Obj("podAffinityTerm") is not null)
                .Select(t => PodAffinityTerm.Parse(t.Item.Obj("podAffinityTerm")!, ns, labels, (int)(t.Item.Long("weight") ?? 0)))];
    }

    private static IReadOnlyList<HostPort> ParseHostPorts(JsonObject? spec)
    {
        if (spec is null)
        {
            return [];
        }

        List<HostPort>? ports = null;
        var containers = spec.Items("containers").Select(c => c.Item)
            .Concat(spec.Items("initContainers").Select(c => c.Item).Where(c => c.Str("restartPolicy") == "Always"));
        foreach (var container in containers)
        {
            foreach (var (_, port) in container.Items("ports"))
            {
                if (port.Long("hostPort") is { } hostPort and > 0)
                {
                    var ip = port.Str("hostIP") is { Length: > 0 } hostIp ? hostIp : HostPort.AnyIp;
                    var protocol = port.Str("protocol") is { Length: > 0 } p ? p : "TCP";
                    (ports ??= []).Add(new HostPort(ip, protocol, (int)hostPort));
                }
            }
        }

        return ports ?? (IReadOnlyList<HostPort>)[];
    }
}
