using System.Text.Json.Nodes;
using Capstan.Api.Selectors;
using Capstan.Api.Validation;

namespace Capstan.Scheduler.Framework;

/// <summary>
/// One pod (anti-)affinity term: pods matching <see cref="Selector"/> in the term's namespaces, counted per value of
/// the node label <see cref="TopologyKey"/>. Namespaces: the listed ones plus those matching the namespace selector; with
/// neither, the namespace of the pod that carries the term. <see cref="Weight"/> is 0 for required terms.
/// </summary>
public sealed record PodAffinityTerm(LabelSelector Selector, string TopologyKey, IReadOnlyList<string> Namespaces, LabelSelector? NamespaceSelector, string OwnerNamespace, int Weight)
{
    /// <summary>
    /// Which pods the term counts and by which key, as text: two terms with the same signature count the same pods in
    /// the same domains (the weight is not part of it). The scheduler cache keys its per-term counts by it.
    /// </summary>
    public string Signature { get; } = string.Join(
        '\u0001',
        SelectorSignature(Selector),
        TopologyKey,
        OwnerNamespace,
        string.Join(',', Namespaces.Order(StringComparer.Ordinal)),
        NamespaceSelector is null ? "-" : SelectorSignature(NamespaceSelector));

    /// <summary>Whether the namespaces the term covers can change with namespace labels (a non-empty namespaceSelector).</summary>
    public bool DependsOnNamespaceLabels => NamespaceSelector is { IsEmpty: false, MatchesNothing: false };

    /// <summary>A selector as text that identifies what it matches: the requirements, or "!" for a selector matching nothing.</summary>
    public static string SelectorSignature(LabelSelector selector) => selector.MatchesNothing ? "!" : selector.ToString();

    /// <summary>Parses a PodAffinityTerm; matchLabelKeys/mismatchLabelKeys add the owner's values of those labels to the selector.</summary>
    public static PodAffinityTerm Parse(JsonObject term, string ownerNamespace, IReadOnlyDictionary<string, string> ownerLabels, int weight)
    {
        LabelSelector selector;
        try
        {
            selector = term["labelSelector"] is JsonObject s ? WithLabelKeys(s, term, ownerLabels) : LabelSelector.Nothing;
        }
        catch (SelectorParseException)
        {
            selector = LabelSelector.Nothing;
        }

        LabelSelector? namespaceSelector = null;
        if (term["namespaceSelector"] is JsonObject ns)
        {
            try
            {
                namespaceSelector = LabelSelector.FromObject(ns);
            }
            catch (SelectorParseException)
            {
                namespaceSelector = LabelSelector.Nothing;
            }
        }

        var namespaces = term.Strings("namespaces").Where(n => n.Length > 0).ToList();
        return new PodAffinityTerm(selector, term.StrOrEmpty("topologyKey"), namespaces, namespaceSelector, ownerNamespace, weight);
    }

    /// <summary>Whether <paramref name="pod"/> is one of the pods this term counts.</summary>
    public bool Matches(PodInfo pod, Func<string, IReadOnlyDictionary<string, string>?> namespaceLabels)
    {
        if (!MatchesNamespace(pod.Namespace, namespaceLabels))
        {
            return false;
        }

        return Selector.Matches(pod.Labels);
    }

    private bool MatchesNamespace(string ns, Func<string, IReadOnlyDictionary<string, string>?> namespaceLabels)
    {
        if (Namespaces.Count == 0 && NamespaceSelector is null)
        {
            return ns == OwnerNamespace;
        }

        foreach (var listed in Namespaces)
        {
            if (listed == ns)
            {
                return true;
            }
        }

        if (NamespaceSelector is null)
        {
            return false;
        }

        if (NamespaceSelector.IsEmpty)
        {
            return true;
        }

        return namespaceLabels(ns) is { } labels && NamespaceSelector.Matches(labels);
    }

    // matchLabelKeys: key In (owner's value); mismatchLabelKeys: key NotIn (owner's value). Keys the owner lacks are ignored.
    private static LabelSelector WithLabelKeys(JsonObject selector, JsonObject term, IReadOnlyDictionary<string, string> ownerLabels)
    {
        var match = term.Strings("matchLabelKeys").Where(ownerLabels.ContainsKey).ToList();
        var mismatch = term.Strings("mismatchLabelKeys").Where(ownerLabels.ContainsKey).ToList();
        if (match.Count == 0 && mismatch.Count == 0)
        {
            return LabelSelector.FromObject(selector);
        }

        var copy = (JsonObject)selector.DeepClone();
        var expressions = copy["matchExpressions"] as JsonArray ?? [];
        copy["matchExpressions"] = expressions;
        foreach (var key in match)
        {
            expressions.Add(new JsonObject { ["key"] = key, ["operator"] = "In", ["values"] = new JsonArray(ownerLabels[key]) });
        }

        foreach (var key in mismatch)
        {
            expressions.Add(new JsonObject { ["key"] = key, ["operator"] = "NotIn", ["values"] = new JsonArray(ownerLabels[key]) });
        }

        return LabelSelector.FromObject(copy);
    }
}
