using System.Text.Json.Nodes;

namespace Capstan.Api.Selectors;

/// <summary>
/// A parsed label selector: all requirements must match. Two special values exist, as in Kubernetes:
/// <see cref="Everything"/> (no requirements, matches every object) and <see cref="Nothing"/> (matches none).
/// </summary>
/// <remarks>
/// Which one a caller gets from an object's <c>metav1.LabelSelector</c> matters: <see cref="FromObject"/> maps an
/// absent/null selector to <see cref="Nothing"/> and an empty one (<c>{}</c>) to <see cref="Everything"/>, as
/// Kubernetes' LabelSelectorAsSelector does. Controllers that treat an absent selector as "select all" (e.g. a
/// NetworkPolicy podSelector, a PDB with an empty selector) must say so themselves by passing <c>{}</c>.
/// </remarks>
public sealed class LabelSelector
{
    private readonly bool _nothing;

    private LabelSelector(IReadOnlyList<LabelRequirement> requirements, bool nothing)
    {
        Requirements = requirements;
        _nothing = nothing;
    }

    /// <summary>Matches every object (the empty string form).</summary>
    public static LabelSelector Everything { get; } = new([], nothing: false);

    /// <summary>Matches no object (what a null <c>metav1.LabelSelector</c> means).</summary>
    public static LabelSelector Nothing { get; } = new([], nothing: true);

    /// <summary>The requirements, sorted by key (stable for equal keys).</summary>
    public IReadOnlyList<LabelRequirement> Requirements { get; }

    /// <summary>True when the selector places no restriction (<see cref="Everything"/>).</summary>
    public bool IsEmpty => !_nothing && Requirements.Count == 0;

    public bool MatchesNothing => _nothing;

    /// <summary>Parses the <c>?labelSelector=</c> string form; throws <see cref="SelectorParseException"/> with a message for a 400 Status.</summary>
    public static LabelSelector Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Everything;
        }

        var requirements = LabelSelectorParser.Parse(text);
        return requirements.Count == 0 ? Everything : new LabelSelector(Sort(requirements), nothing: false);
    }

    public static bool TryParse(string? text, out LabelSelector selector, out string? error)
    {
        try
        {
            selector = Parse(text);
            error = null;
            return true;
        }
        catch (SelectorParseException e)
        {
            selector = Nothing;
            error = e.Message;
            return false;
        }
    }

    /// <summary>
    /// Converts a <c>metav1.LabelSelector</c> (<c>{matchLabels, matchExpressions}</c>). Null or JSON null gives
    /// <see cref="Nothing"/>; an object with neither gives <see cref="Everything"/>. Throws <see cref="SelectorParseException"/> when invalid.
    /// </summary>
    public static LabelSelector FromObject(JsonNode? selector)
    {
        if (selector is not JsonObject obj)
        {
            return Nothing;
        }

        var requirements = new List<LabelRequirement>();
        if (obj["matchLabels"] is JsonObject matchLabels)
        {
            foreach (var (key, value) in matchLabels)
            {
                requirements.Add(LabelRequirement.Create(key, SelectorOperator.Equals, [ValueText(value)]));
            }
        }

        if (obj["matchExpressions"] is JsonArray expressions)
        {
            foreach (var expression in expressions.OfType<JsonObject>())
            {
                var key = ValueText(expression["key"]);
                var opText = ValueText(expression["operator"]);
                var op = opText switch
                {
                    "In" => SelectorOperator.In,
                    "NotIn" => SelectorOperator.NotIn,
                    "Exists" => SelectorOperator.Exists,
                    "DoesNotExist" => SelectorOperator.DoesNotExist,
                    _ => throw new SelectorParseException($"\"{opText}\" is not a valid label selector operator"),
                };
                var values = expression["values"] is JsonArray array ? array.Select(ValueText) : [];
                requirements.Add(LabelRequirement.Create(key, op, values));
            }
        }

        return requirements.Count == 0 ? Everything : new LabelSelector(Sort(requirements), nothing: false);
    }

    public static bool TryFromObject(JsonNode? selector, out LabelSelector result, out string? error)
    {
        try
        {
            result = FromObject(selector);
            error = null;
            return true;
        }
        catch (SelectorParseException e)
        {
            result = Nothing;
            error = e.Message;
            return false;
        }
    }

    /// <summary>A selector requiring exactly these labels (Kubernetes' SelectorFromSet); empty gives <see cref="Everything"/>.</summary>
    public static LabelSelector FromLabels(IReadOnlyDictionary<string, string> labels) =>
        labels.Count == 0
            ? Everything
            : new LabelSelector(Sort(labels.Select(kv => new LabelRequirement(kv.Key, SelectorOperator.Equals, [kv.Value]))), nothing: false);

    public bool Matches(IReadOnlyDictionary<string, string> labels)
    {
        if (_nothing)
        {
            return false;
        }

        foreach (var requirement in Requirements)
        {
            if (!requirement.Matches(labels))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Matches an object's <c>metadata.labels</c> object (null means no labels).</summary>
    public bool Matches(JsonObject? labels) => Matches(ToDictionary(labels));

    /// <summary>Matches the <c>metadata.labels</c> of a whole object.</summary>
    public bool MatchesLabelsOf(JsonObject obj) => Matches(obj["metadata"]?["labels"] as JsonObject);

    /// <summary>Reads a JSON labels object (string values) into a dictionary.</summary>
    public static IReadOnlyDictionary<string, string> ToDictionary(JsonObject? labels)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (labels is null)
        {
            return result;
        }

        foreach (var (key, value) in labels)
        {
            result[key] = ValueText(value);
        }

        return result;
    }

    /// <summary>Kubernetes' canonical form: requirements sorted by key, joined by commas; "" for Everything and Nothing.</summary>
    public override string ToString() => string.Join(",", Requirements.Select(r => r.ToString()));

    private static List<LabelRequirement> Sort(IEnumerable<LabelRequirement> requirements) =>
        requirements.OrderBy(r => r.Key, StringComparer.Ordinal).ToList();

    private static string ValueText(JsonNode? node) => node switch
    {
        null => "",
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        _ => node.ToJsonString(),
    };
}
