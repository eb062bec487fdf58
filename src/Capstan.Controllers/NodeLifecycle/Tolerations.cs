using System.Text.Json.Nodes;
using Capstan.Api.Validation;

namespace Capstan.Controllers.NodeLifecycle;

/// <summary>Taint and toleration matching (Kubernetes' ToleratesTaint) and how long a pod may stay on a node with NoExecute taints.</summary>
internal static class Tolerations
{
    public static bool Tolerates(JsonObject toleration, JsonObject taint)
    {
        var effect = toleration.StrOrEmpty("effect");
        if (effect.Length > 0 && effect != taint.StrOrEmpty("effect"))
        {
            return false;
        }

        var key = toleration.StrOrEmpty("key");
        var op = toleration.StrOrEmpty("operator");
        if (key.Length > 0 && key != taint.StrOrEmpty("key"))
        {
            return false;
        }

        return op switch
        {
            "Exists" => true,
            "Equal" or "" => key.Length > 0 && toleration.StrOrEmpty("value") == taint.StrOrEmpty("value"),
            _ => false,
        };
    }

    /// <summary>
    /// How long after the taints appeared the pod must go: zero when some NoExecute taint is not tolerated; the smallest
    /// tolerationSeconds of the tolerations that matched (zero or less meaning at once); null (never) when they all tolerate
    /// forever. Tolerations without tolerationSeconds only count when no matching one has them, as in Kubernetes.
    /// </summary>
    public static TimeSpan? EvictionDelay(IReadOnlyList<JsonObject> noExecuteTaints, IReadOnlyList<JsonObject> tolerations)
    {
        if (noExecuteTaints.Count == 0)
        {
            return null;
        }

        var used = new List<JsonObject>();
        foreach (var taint in noExecuteTaints)
        {
            var matching = tolerations.Where(t => Tolerates(t, taint)).ToList();
            if (matching.Count == 0)
            {
                return TimeSpan.Zero;
            }

            used.AddRange(matching);
        }

        long? min = null;
        foreach (var toleration in used)
        {
            if (toleration.Long("tolerationSeconds") is { } seconds)
            {
                if (seconds <= 0)
                {
                    return TimeSpan.Zero;
                }

                min = Math.Min(min ?? long.MaxValue, seconds);
            }
        }

        return min is { } s ? TimeSpan.FromSeconds(s) : null;
    }

    public static IReadOnlyList<JsonObject> NoExecuteTaints(JsonObject? node) =>
        node?["spec"] is JsonObject spec ? [.. spec.Items("taints").Select(t => t.Item).Where(t => t.StrOrEmpty("effect") == "NoExecute")] : [];

    public static IReadOnlyList<JsonObject> Of(JsonObject pod) =>
        pod["spec"] is JsonObject spec ? [.. spec.Items("tolerations").Select(t => t.Item)] : [];
}
