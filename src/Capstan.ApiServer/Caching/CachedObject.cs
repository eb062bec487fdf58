using Capstan.Api.Text;

namespace Capstan.ApiServer.Caching;

/// <summary>
/// One object as the API serves it: its JSON with metadata.resourceVersion set, and what filters need without parsing it
/// again. The watch cache holds one per object plus its recent versions, so the namespace and labels are stored compactly:
/// the namespace and label strings come from <see cref="StringTable"/> (one copy per distinct string instead of one per
/// object), and the labels are a <see cref="CompactLabels"/> instead of a dictionary.
/// </summary>
public sealed class CachedObject(string key, long revision, byte[] json, string @namespace, string name, IReadOnlyDictionary<string, string> labels)
{
    public string Key { get; } = key;

    public long Revision { get; } = revision;

    public byte[] Json { get; } = json;

    public string Namespace { get; } = StringTable.Shared.Intern(@namespace);

    public string Name { get; } = name;

    public IReadOnlyDictionary<string, string> Labels { get; } = CompactLabels.From(labels, StringTable.Shared);
}

public enum CacheEventType { Added, Modified, Deleted }

/// <summary>A change as a watch delivers it; for Deleted, <see cref="Object"/> is the last state with the delete's revision.</summary>
public sealed record CacheEvent(CacheEventType Type, CachedObject Object, long Revision);
