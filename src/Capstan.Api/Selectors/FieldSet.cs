using System.Text.Json.Nodes;
using Capstan.Api.Tables;

namespace Capstan.Api.Selectors;

/// <summary>
/// The selectable fields of one kind (Kubernetes' GetAttrs plus its field-label conversion): which names a field
/// selector may use, and their values for an object. Unsupported names are rejected with Kubernetes' message.
/// </summary>
public sealed class FieldSet : IFieldSet
{
    private readonly IReadOnlyList<(string Name, Func<JsonObject, string> Read)> _fields;
    private readonly IReadOnlyDictionary<string, string> _aliases;
    private readonly bool _customConversion;

    /// <param name="customConversion">
    /// True when Kubernetes registers a field-label conversion for the kind (the message is then
    /// <c>field label not supported: x</c>); false for kinds that only take metadata.name and metadata.namespace.
    /// </param>
    internal FieldSet(string group, string kind, IEnumerable<(string Name, Func<JsonObject, string> Read)> fields,
        bool customConversion, IReadOnlyDictionary<string, string>? aliases = null)
    {
        Group = group;
        Kind = kind;
        _fields = fields.ToArray();
        _customConversion = customConversion;
        _aliases = aliases ?? new Dictionary<string, string>();
        SupportedFields = _fields.Select(f => f.Name).Concat(_aliases.Keys).ToHashSet(StringComparer.Ordinal);
    }

    public string Group { get; }

    public string Kind { get; }

    /// <summary>Every field name a selector may use for this kind, legacy aliases included.</summary>
    public IReadOnlySet<string> SupportedFields { get; }

    public bool Supports(string field) => SupportedFields.Contains(field);

    public IReadOnlyDictionary<string, string> Fields(JsonObject obj)
    {
        var result = new Dictionary<string, string>(_fields.Count, StringComparer.Ordinal);
        foreach (var (name, read) in _fields)
        {
            result[name] = read(obj);
        }

        return result;
    }

    /// <summary>
    /// Checks every field the selector names. On success returns null and gives the selector with legacy aliases
    /// rewritten (e.g. Pod <c>spec.host</c> to <c>spec.nodeName</c>); otherwise returns the message for a 400 Status.
    /// </summary>
    public string? Validate(FieldSelector selector, out FieldSelector normalized)
    {
        normalized = selector;
        foreach (var requirement in selector.Requirements)
        {
            if (!Supports(requirement.Field))
            {
                return UnsupportedMessage(requirement.Field);
            }
        }

        if (_aliases.Count > 0)
        {
            normalized = selector.Rename(f => _aliases.TryGetValue(f, out var target) ? target : f);
        }

        return null;
    }

    public bool Matches(FieldSelector selector, JsonObject obj) => selector.IsEmpty || selector.Matches(Fields(obj));

    /// <summary>Kubernetes' wording for a field this kind does not support.</summary>
    public string UnsupportedMessage(string field) => _customConversion
        ? $"field label not supported: {field}"
        : $"\"{field}\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"";

    internal static string Name(JsonObject o) => JsonRead.Str(o, "metadata", "name");

    internal static string Namespace(JsonObject o) => JsonRead.Str(o, "metadata", "namespace");
}
