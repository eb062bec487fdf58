using System.Text;

namespace Capstan.ApiServer.Tests.Protobuf;

/// <summary>A test-only protobuf writer that lays fields out as Go's generated marshallers do.</summary>
internal sealed class ProtoWriter
{
    private readonly MemoryStream _buffer = new();

    public ProtoWriter Varint(int field, long value)
    {
        Tag(field, 0);
        WriteVarint((ulong)value);
        return this;
    }

    public ProtoWriter Bool(int field, bool value) => Varint(field, value ? 1 : 0);

    public ProtoWriter Fixed64(int field, ulong value)
    {
        Tag(field, 1);
        _buffer.Write(BitConverter.GetBytes(value));
        return this;
    }

    public ProtoWriter Bytes(int field, ReadOnlySpan<byte> value)
    {
        Tag(field, 2);
        WriteVarint((ulong)value.Length);
        _buffer.Write(value);
        return this;
    }

    public ProtoWriter String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    public ProtoWriter Message(int field, ProtoWriter message) => Bytes(field, message.ToArray());

    public ProtoWriter MapEntry(int field, string key, string value) => Message(field, new ProtoWriter().String(1, key).String(2, value));

    public ProtoWriter MapEntry(int field, string key, ProtoWriter value) => Message(field, new ProtoWriter().String(1, key).Message(2, value));

    public byte[] ToArray() => _buffer.ToArray();

    /// <summary>Wraps the message in the "k8s\0" + runtime.Unknown envelope.</summary>
    public byte[] Envelope(string apiVersion, string kind)
    {
        var unknown = new ProtoWriter()
            .Message(1, new ProtoWriter().String(1, apiVersion).String(2, kind))
            .Bytes(2, ToArray())
            .String(3, "")
            .String(4, "");
        return [0x6b, 0x38, 0x73, 0x00, .. unknown.ToArray()];
    }

    private void Tag(int field, int wire) => WriteVarint(((ulong)field << 3) | (uint)wire);

    private void WriteVarint(ulong value)
    {
        while (value >= 0x80)
        {
            _buffer.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }

        _buffer.WriteByte((byte)value);
    }
}
