using System.Buffers;
using Capstan.Api.Text;

namespace Capstan.ApiServer.Caching;

/// <summary>
/// One object as the API serves it: its JSON with metadata.resourceVersion set, and what filters need without parsing it
/// again. The watch cache holds one per object plus its recent versions, so it is stored compactly:
/// <list type="bullet">
/// <item>the namespace and label strings come from <see cref="StringTable"/> (one copy per distinct string instead of one
/// per object), and the labels are a <see cref="CompactLabels"/> instead of a dictionary;</item>
/// <item>fragments that many objects repeat byte for byte (managedFields' field sets) can be <see cref="JsonPiece"/>s
/// shared through a <see cref="SharedJsonPieces"/> table: the JSON is then the object's own bytes with the pieces put
/// back at their offsets. <see cref="Json"/> assembles a new array in that case; paths that serve many objects use
/// <see cref="Rent"/> or <see cref="CopyTo"/> instead.</item>
/// </list>
/// </summary>
public sealed class CachedObject
{
    private readonly byte[] _own;
    private readonly JsonPiece[]? _pieces;

    public CachedObject(string key, long revision, byte[] json, string @namespace, string name, IReadOnlyDictionary<string, string> labels)
        : this(key, revision, json, null, @namespace, name, labels)
    {
    }

    /// <param name="own">The JSON without the pieces.</param>
    /// <param name="pieces">Shared fragments in ascending <see cref="JsonPiece.At"/> order, each an offset into <paramref name="own"/>.</param>
    internal CachedObject(string key, long revision, byte[] own, JsonPiece[]? pieces, string @namespace, string name, IReadOnlyDictionary<string, string> labels)
    {
        Key = key;
        Revision = revision;
        _own = own;
        _pieces = pieces is { Length: > 0 } ? pieces : null;
        Length = own.Length;
        foreach (var piece in _pieces ?? [])
        {
            Length += piece.Bytes.Length;
        }

        Namespace = StringTable.Shared.Intern(@namespace);
        Name = name;
        Labels = CompactLabels.From(labels, StringTable.Shared);
    }

    public string Key { get; }

    public long Revision { get; }

    /// <summary>The JSON's length in bytes.</summary>
    public int Length { get; }

    /// <summary>Bytes this object holds alone: its own JSON and its references to the pieces it shares.</summary>
    public int OwnBytes => _own.Length + ((_pieces?.Length ?? 0) * 16);

    /// <summary>The JSON; with shared pieces this is a new array on each read (callers may keep it, never change it).</summary>
    public byte[] Json
    {
        get
        {
            if (_pieces is null)
            {
                return _own;
            }

            var json = new byte[Length];
            CopyTo(json);
            return json;
        }
    }

    public string Namespace { get; }

    public string Name { get; }

    public IReadOnlyDictionary<string, string> Labels { get; }

    /// <summary>Writes the JSON to <paramref name="destination"/>, which holds at least <see cref="Length"/> bytes.</summary>
    public void CopyTo(Span<byte> destination)
    {
        if (_pieces is null)
        {
            _own.CopyTo(destination);
            return;
        }

        var from = 0;
        var to = 0;
        foreach (var piece in _pieces)
        {
            var run = _own.AsSpan(from, piece.At - from);
            run.CopyTo(destination[to..]);
            to += run.Length;
            piece.Bytes.CopyTo(destination[to..]);
            to += piece.Bytes.Length;
            from = piece.At;
        }

        _own.AsSpan(from).CopyTo(destination[to..]);
    }

    /// <summary>The JSON in a pooled buffer (the object's own array when it shares nothing); dispose it when done.</summary>
    public RentedJson Rent()
    {
        if (_pieces is null)
        {
            return new RentedJson(_own, _own.Length, pooled: false);
        }

        var buffer = ArrayPool<byte>.Shared.Rent(Length);
        CopyTo(buffer);
        return new RentedJson(buffer, Length, pooled: true);
    }
}

/// <summary>A fragment of a <see cref="CachedObject"/>'s JSON kept in a shared array, inserted at offset <see cref="At"/> of its own bytes.</summary>
public readonly record struct JsonPiece(int At, byte[] Bytes);

/// <summary>A <see cref="CachedObject"/>'s JSON, possibly in a pooled array that <see cref="Dispose"/> returns.</summary>
public readonly struct RentedJson : IDisposable
{
    private readonly byte[] _buffer;
    private readonly int _length;
    private readonly bool _pooled;

    internal RentedJson(byte[] buffer, int length, bool pooled)
    {
        _buffer = buffer;
        _length = length;
        _pooled = pooled;
    }

    public ReadOnlySpan<byte> Span => _buffer.AsSpan(0, _length);

    public void Dispose()
    {
        if (_pooled)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
        }
    }
}

public enum CacheEventType { Added, Modified, Deleted }

/// <summary>A change as a watch delivers it; for Deleted, <see cref="Object"/> is the last state with the delete's revision.</summary>
public sealed record CacheEvent(CacheEventType Type, CachedObject Object, long Revision);
