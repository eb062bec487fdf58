using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Capstan.Api.Json;

/// <summary>
/// YAML to JSON the way Kubernetes reads YAML bodies: plain scalars are typed as YAML 1.1 types them (yes/no/on/off are
/// booleans, 0x1F is a number), quoted or !!str-tagged ones stay strings; a key given twice in one mapping is an error.
/// </summary>
public static partial class YamlJson
{
    private const int MaxDepth = 256;

    private static readonly HashSet<string> Nulls = new(StringComparer.Ordinal) { "", "~", "null", "Null", "NULL" };
    private static readonly HashSet<string> Trues = new(StringComparer.Ordinal) { "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON" };
    private static readonly HashSet<string> Falses = new(StringComparer.Ordinal) { "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF" };

    /// <summary>Parses one YAML document (null when there is none); throws <see cref="YamlJsonException"/> on malformed input.</summary>
    public static JsonNode? Parse(string yaml) => ParseDocuments(yaml) switch
    {
        [] => null,
        [var only] => only,
        _ => throw new YamlJsonException("yaml: expected a single document, found several"),
    };

    /// <summary>Parses every document of a YAML stream.</summary>
    public static IReadOnlyList<JsonNode?> ParseDocuments(string yaml)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (Exception e) when (e is YamlException or ArgumentException)
        {
            var line = e is YamlException y ? $"line {y.Start.Line}: " : "";
            throw new YamlJsonException($"yaml: {line}{e.Message}", e);
        }

        return stream.Documents.Select(d => Convert(d.RootNode, 0)).ToList();
    }

    private static JsonNode? Convert(YamlNode node, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new YamlJsonException("yaml: document nested too deeply");
        }

        switch (node)
        {
            case YamlMappingNode map:
                var obj = new JsonObject();
                foreach (var (key, value) in map.Children)
                {
                    var name = key is YamlScalarNode s ? s.Value ?? string.Empty : throw new YamlJsonException("yaml: mapping keys must be scalars");
                    if (obj.ContainsKey(name))
                    {
                        throw new YamlJsonException($"yaml: the key \"{name}\" is given twice");
                    }

                    obj[name] = Convert(value, depth + 1);
                }

                return obj;
            case YamlSequenceNode seq:
                return new JsonArray(seq.Children.Select(c => Convert(c, depth + 1)).ToArray());
            case YamlScalarNode scalar:
                return Scalar(scalar);
            default:
                throw new YamlJsonException("yaml: unsupported node");
        }
    }

    private static JsonNode? Scalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? string.Empty;
        var tag = scalar.Tag.IsEmpty || scalar.Tag.IsNonSpecific ? null : scalar.Tag.Value;
        if (scalar.Style is not (ScalarStyle.Plain or ScalarStyle.Any) || tag is "tag:yaml.org,2002:str" or "!!str")
        {
            return JsonValue.Create(text);
        }

        if (Nulls.Contains(text))
        {
            return null;
        }

        if (Trues.Contains(text) || Falses.Contains(text))
        {
            return JsonValue.Create(Trues.Contains(text));
        }

        var digits = text.Replace("_", string.Empty, StringComparison.Ordinal);
        if (DecimalInteger().IsMatch(digits) && long.TryParse(digits, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            return JsonValue.Create(integer);
        }

        if (digits.StartsWith("0x", StringComparison.Ordinal) && long.TryParse(digits[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex))
        {
            return JsonValue.Create(hex);
        }

        if (Float().IsMatch(digits) && double.TryParse(digits, NumberStyles.Float, CultureInfo.InvariantCulture, out var real) && double.IsFinite(real))
        {
            return JsonValue.Create(real);
        }

        return JsonValue.Create(text);
    }

    [GeneratedRegex(@"^[-+]?(0|[1-9][0-9]*)\z")]
    private static partial Regex DecimalInteger();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\z")]
    private static partial Regex Float();
}

public sealed class YamlJsonException(string message, Exception? inner = null) : Exception(message, inner);
