using Capstan.Api.Json;
using Capstan.Api.Text;

namespace Capstan.ApiServer.Caching;

/// <summary>
/// One object as the API serves it: its JSON with metadata.resourceVersion set, and what filters need without parsing it
/// again. The watch cache holds one per object plus its recent versions, so it is stored compactly:
/// <list type="bullet">
/// <item>the namespace and label strings come from <see cref="StringTable"/> (one copy per distinct string instead of one
/// per object), and the labels are a <see cref="CompactLabels"/> instead of a dictionary;</item>
/// <item>the JSON is a <see cref="PackedJson"/>: compressed with a dictionary trained on the resource's own objects once
/// the watch cache has one (<see cref="JsonCompression"/>). <see cref="Json"/> then decompresses into a new array on
/// each read; paths that serve many objects use <see cref="Rent"/> or <see cref="CopyTo"/> instead.</item>
/// </list>
/// </summary>
public sealed class CachedObject
{
    private readonly PackedJson _json;

    public CachedObject(string key, long revision, byte[] json, string @namespace, string name, IReadOnlyDictionary<string, string> labels)
        : this(key, revision, new PackedJson(json), @namespace, name, labels)
    {
    }

    public CachedObject(string key, long revision, PackedJson json, string @namespace, string name, IReadOnlyDictionary<string, string> labels)
    {
        Key = key;
        Revision = revision;
        _json = json;
        Namespace = StringTable.Shared.Intern(@namespace);
        Name = name;
        Labels = CompactLabels.From(labels, StringTable.Shared);
    }

    private CachedObject(CachedObject source, PackedJson json)
    {
        Key = source.Key;
        Revision = source.Revision;
        _json = json;
        Namespace = source.Namespace;
        Name = source.Name;
        Labels = source.Labels;
    }

    public string Key { get; }

    public long Revision { get; }

    /// <summary>The JSON's length in bytes.</summary>
    public int Length => _json.Length;

    /// <summary>Bytes of JSON this object holds in memory (compressed, when it is).</summary>
    public int OwnBytes => _json.PackedLength;

    /// <summary>The dictionary its JSON is compressed with, or null.</summary>
    public JsonDictionary? Dictionary => _json.Dictionary;

    /// <summary>The JSON; when compressed, a new array on each read (callers may keep it, never change it).</summary>
    public byte[] Json => _json.ToArray();

    public string Namespace { get; }

    public string Name { get; }

    public IReadOnlyDictionary<string, string> Labels { get; }

    /// <summary>Writes the JSON to <paramref name="destination"/>, which holds at least <see cref="Length"/> bytes.</summary>
    public void CopyTo(Span<byte> destination) => _json.CopyTo(destination);

    /// <summary>The JSON in a pooled buffer (the object's own array when uncompressed); dispose it when done.</summary>
    public RentedJson Rent() => _json.Rent();

    /// <summary>The same object with its JSON packed by <paramref name="compression"/>'s current dictionary (itself when it already is).</summary>
    public CachedObject Repack(JsonCompression compression)
    {
        var json = compression.Repack(_json);
        return ReferenceEquals(json.Dictionary, _json.Dictionary) ? this : new CachedObject(this, json);
    }
}

public enum CacheEventType { Added, Modified, Deleted }

/// <summary>A change as a watch delivers it; for Deleted, <see cref="Object"/> is the last state with the delete's revision.</summary>
public sealed record CacheEvent(CacheEventType Type, CachedObject Object, long Revision);
