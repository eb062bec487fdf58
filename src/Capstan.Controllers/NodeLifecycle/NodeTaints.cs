using System.Text.Json.Nodes;
using Capstan.Api.Validation;
using Capstan.Controllers.Pods;

namespace Capstan.Controllers.NodeLifecycle;

/// <summary>The taints the node lifecycle controller owns, and how a node's taint list changes with its Ready condition.</summary>
internal static class NodeTaints
{
    public const string Unreachable = "node.kubernetes.io/unreachable";
    public const string NotReady = "node.kubernetes.io/not-ready";
    public const string OutOfService = "node.kubernetes.io/out-of-service";
    public const string MemoryPressure = "node.kubernetes.io/memory-pressure";
    public const string DiskPressure = "node.kubernetes.io/disk-pressure";
    public const string PidPressure = "node.kubernetes.io/pid-pressure";

    /// <summary>Kubernetes' TaintNodesByCondition: a pressure condition that is True gives its NoSchedule taint.</summary>
    private static readonly (string Condition, string Key)[] ConditionTaints =
    [
        ("MemoryPressure", MemoryPressure),
        ("DiskPressure", DiskPressure),
        ("PIDPressure", PidPressure),
    ];

    /// <summary>
    /// The node's taints with the NoSchedule pressure taints made to fit its conditions (<paramref name="conditionStatus"/>
    /// gives a condition's status, or null): present while the condition is True, absent otherwise. Returns null when nothing changes.
    /// </summary>
    public static JsonArray? ReconcileConditions(JsonArray? current, Func<string, string?> conditionStatus)
    {
        var existing = current?.OfType<JsonObject>().ToList() ?? [];
        var result = new JsonArray();
        var changed = false;
        var wanted = ConditionTaints.Where(c => conditionStatus(c.Condition) == "True").Select(c => c.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var taint in existing)
        {
            var key = taint.StrOrEmpty("key");
            var managed = taint.StrOrEmpty("effect") == "NoSchedule" && ConditionTaints.Any(c => c.Key == key);
            if (managed && !wanted.Contains(key))
            {
                changed = true;
                continue;
            }

            result.Add(taint.DeepClone());
        }

        foreach (var key in wanted)
        {
            if (!existing.Any(t => t.StrOrEmpty("key") == key && t.StrOrEmpty("effect") == "NoSchedule"))
            {
                result.Add(new JsonObject { ["key"] = key, ["effect"] = "NoSchedule" });
                changed = true;
            }
        }

        return changed ? result : null;
    }

    /// <summary>
    /// The node's taints with the managed ones made to fit <paramref name="readyStatus"/>: Unknown → unreachable,
    /// False → not-ready (each NoExecute and NoSchedule), True → neither. Kept taints keep their timeAdded; others are untouched.
    /// Returns null when nothing changes.
    /// </summary>
    public static JsonArray? Reconcile(JsonArray? current, string readyStatus, DateTimeOffset now)
    {
        var wantKey = readyStatus switch
        {
            "Unknown" => Unreachable,
            "False" => NotReady,
            _ => null,
        };
        var existing = current?.OfType<JsonObject>().ToList() ?? [];
        var result = new JsonArray();
        var changed = false;
        foreach (var taint in existing)
        {
            var key = taint.StrOrEmpty("key");
            var effect = taint.StrOrEmpty("effect");
            var managed = key is Unreachable or NotReady && effect is "NoExecute" or "NoSchedule";
            if (managed && key != wantKey)
            {
                changed = true;
                continue;
            }

            result.Add(taint.DeepClone());
        }

        if (wantKey is not null)
        {
            foreach (var effect in new[] { "NoSchedule", "NoExecute" })
            {
                if (!existing.Any(t => t.StrOrEmpty("key") == wantKey && t.StrOrEmpty("effect") == effect))
                {
                    var taint = new JsonObject { ["key"] = wantKey, ["effect"] = effect };
                    if (effect == "NoExecute")
                    {
                        taint["timeAdded"] = Timestamps.Format(now);
                    }

                    result.Add(taint);
                    changed = true;
                }
            }
        }

        return changed ? result : null;
    }
}
