using System.Buffers;

namespace Capstan.Api.Json;

/// <summary>
/// One object's UTF-8 JSON as a long-lived cache keeps it: the bytes themselves, or their compressed form with the
/// <see cref="JsonDictionary"/> that reads it back. The bytes are never changed once packed.
/// </summary>
public readonly struct PackedJson
{
    private readonly byte[] _bytes;

    /// <summary>The JSON as it is, uncompressed.</summary>
    public PackedJson(byte[] json)
    {
        _bytes = json;
        Length = json.Length;
    }

    public PackedJson(byte[] compressed, int length, JsonDictionary dictionary)
    {
        _bytes = compressed;
        Length = length;
        Dictionary = dictionary;
    }

    /// <summary>The JSON's length in bytes.</summary>
    public int Length { get; }

    /// <summary>The dictionary the bytes are compressed with; null when they are the JSON itself.</summary>
    public JsonDictionary? Dictionary { get; }

    /// <summary>What this holds in memory, in bytes (the array's content, not counting the shared dictionary).</summary>
    public int PackedLength => _bytes?.Length ?? 0;

    /// <summary>The JSON; uncompressed, the held array itself (callers must not change it), otherwise a new one.</summary>
    public byte[] ToArray()
    {
        if (Dictionary is null)
        {
            return _bytes;
        }

        var json = new byte[Length];
        CopyTo(json);
        return json;
    }

    /// <summary>Writes the JSON to <paramref name="destination"/>, which holds at least <see cref="Length"/> bytes.</summary>
    public void CopyTo(Span<byte> destination)
    {
        if (Dictionary is null)
        {
            _bytes.CopyTo(destination);
            return;
        }

        var written = Dictionary.Decompress(_bytes, destination[..Length]);
        if (written != Length)
        {
            throw new InvalidDataException($"packed JSON decompressed to {written} bytes, expected {Length}");
        }
    }

    /// <summary>The JSON in a pooled buffer (the held array itself when uncompressed); dispose it when done.</summary>
    public RentedJson Rent()
    {
        if (Dictionary is null)
        {
            return new RentedJson(_bytes, _bytes.Length, pooled: false);
        }

        var buffer = ArrayPool<byte>.Shared.Rent(Length);
        CopyTo(buffer);
        return new RentedJson(buffer, Length, pooled: true);
    }
}

/// <summary>JSON read out of a <see cref="PackedJson"/>, possibly in a pooled array that <see cref="Dispose"/> returns.</summary>
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
