using System.Text;

namespace Capstan.Api.OpenApi;

/// <summary>A minimal protocol buffers encoder: strings, booleans and nested messages, which is all the OpenAPI v2 message needs.</summary>
internal sealed class ProtoWriter
{
    private const int VarintType = 0;
    private const int LengthDelimitedType = 2;

    private readonly MemoryStream _buffer = new();

    public byte[] ToArray() => _buffer.ToArray();

    /// <summary>Writes a string field; proto3 leaves empty strings out.</summary>
    public void String(int field, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return;
        }

        Bytes(field, Encoding.UTF8.GetBytes(value));
    }

    /// <summary>Writes a string field even when empty (elements of repeated fields).</summary>
    public void RepeatedString(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    /// <summary>Writes a boolean field; proto3 leaves false out.</summary>
    public void Bool(int field, bool value)
    {
        if (!value)
        {
            return;
        }

        Tag(field, VarintType);
        _buffer.WriteByte(1);
    }

    /// <summary>Writes a nested message, present even when empty (an empty message still marks which oneof case is set).</summary>
    public void Message(int field, Action<ProtoWriter> write)
    {
        var child = new ProtoWriter();
        write(child);
        Bytes(field, child._buffer.GetBuffer().AsSpan(0, (int)child._buffer.Length));
    }

    private void Bytes(int field, ReadOnlySpan<byte> bytes)
    {
        Tag(field, LengthDelimitedType);
        Varint((ulong)bytes.Length);
        _buffer.Write(bytes);
    }

    private void Tag(int field, int wireType) => Varint((ulong)((field << 3) | wireType));

    private void Varint(ulong value)
    {
        while (value >= 0x80)
        {
            _buffer.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }

        _buffer.WriteByte((byte)value);
    }
}
