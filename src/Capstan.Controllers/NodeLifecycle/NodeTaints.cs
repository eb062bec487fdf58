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
