using System.Text.Json.Nodes;

namespace Capstan.Api.Selectors;

/// <summary>The fields of one kind that field selectors may name (metadata.name, metadata.namespace, plus per-kind ones such as spec.nodeName).</summary>
public interface IFieldSet
{
    string Group { get; }

    string Kind { get; }

    /// <summary>The selectable field paths and their values for <paramref name="obj"/>.</summary>
    IReadOnlyDictionary<string, string> Fields(JsonObject obj);
}
