using System.Text.Json.Nodes;
using Capstan.Api.Selectors;
using Capstan.Api.Validation;

namespace Capstan.Scheduler.Framework;

/// <summary>
/// One topologySpreadConstraint: pods matching <see cref="Selector"/> (in the pod's namespace) must not be more than
/// <see cref="MaxSkew"/> above the least-loaded domain of <see cref="TopologyKey"/>. Defaults as Kubernetes:
/// nodeAffinityPolicy Honor, nodeTaintsPolicy Ignore, minDomains 1.
/// </summary>
public sealed record TopologySpreadConstraint(int MaxSkew, string TopologyKey, bool DoNotSchedule, LabelSelector Selector, int MinDomains, bool HonorNodeAffinity, bool HonorNodeTaints)
{
    /// <summary>The selector as text (see <see cref="PodAffinityTerm.SelectorSignature"/>): the scheduler cache's key for its counts.</summary>
    public string SelectorSignature { get; } = PodAffinityTerm.SelectorSignature(Selector);

    public static TopologySpreadConstraint Parse(JsonObject c, IReadOnlyDictionary<string, string> ownerLabels)
    {
        LabelSelector selector;
        try
        {
            var selectorObject = c["labelSelector"] as JsonObject;
            var keys = c.Strings("matchLabelKeys").Where(ownerLabels.ContainsKey).ToList();
            if (selectorObject is not null && keys.Count > 0)
            {
                selectorObject = (JsonObject)selectorObject.DeepClone();
                var expressions = selectorObject["matchExpressions"] as JsonArray ?? [];
                selectorObject["matchExpressions"] = expressions;
                foreach (var key in keys)
                {
                    expressions.Add(new JsonObject { ["key"] = key, ["operator"] = "In", ["values"] = new JsonArray(ownerLabels[key]) });
                }
            }

            selector = LabelSelector.FromObject(selectorObject);
        }
        catch (SelectorParseException)
        {
            selector = LabelSelector.Nothing;
        }

        return new TopologySpreadConstraint(
            (int)Math.Max(1, c.Long("maxSkew") ?? 1),
            c.StrOrEmpty("topologyKey"),
            c.Str("whenUnsatisfiable") != "ScheduleAnyway",
            selector,
            (int)Math.Max(1, c.Long("minDomains") ?? 1),
            c.Str("nodeAffinityPolicy") != "Ignore",
            c.Str("nodeTaintsPolicy") == "Honor");
    }
}
