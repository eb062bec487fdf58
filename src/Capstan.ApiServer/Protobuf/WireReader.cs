using System.Buffers.Binary;
using System.Text;

namespace Capstan.ApiServer.Protobuf;

/// <summary>Reads protobuf wire format: tags, varints, fixed 64- and 32-bit values and length-delimited slices.
/// Malformed input throws <see cref="FormatException"/>.</summary>
internal struct WireReader(ReadOnlyMemory<byte> data)
{
    public const int Varint = 0;
    public const int Fixed64 = 1;
    public const int LengthDelimited = 2;
    public const int Fixed32 = 5;

    private int _pos;

    public readonly bool AtEnd => _pos >= data.Length;

    public bool TryReadTag(out int field, out int wire)
    {
        if (AtEnd)
        {
            field = wire = 0;
            return false;
        }

        var tag = ReadVarint();
        field = (int)(tag >> 3);
        wire = (int)(tag & 7);
        if (field <= 0 || tag >> 3 > int.MaxValue)
        {
            throw new FormatException($"invalid field number {tag >> 3}");
        }

        return true;
    }

    public ulong ReadVarint()
    {
        ulong result = 0;
        for (var shift = 0; shift < 70; shift += 7)
        {
            if (_pos >= data.Length)
            {
                throw new FormatException("truncated varint");
            }

            var b = data.Span[_pos++];
            result |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0)
            {
                return result;
            }
        }

        throw new FormatException("varint too long");
    }

    public ulong ReadFixed64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8).Span);

    public uint ReadFixed32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4).Span);

    public ReadOnlyMemory<byte> ReadBytes()
    {
        var length = ReadVarint();
        if (length > (ulong)(data.Length - _pos))
        {
            throw new FormatException("length past the end of the message");
        }

        return Take((int)length);
    }

    public string ReadString() => Encoding.UTF8.GetString(ReadBytes().Span);

    public void Skip(int wire)
    {
        switch (wire)
        {
            case Varint:
                ReadVarint();
                break;
            case Fixed64:
                Take(8);
                break;
            case LengthDelimited:
                ReadBytes();
                break;
            case Fixed32:
                Take(4);
                break;
            default:
                throw new FormatException($"unsupported wire type {wire}");
        }
    }

    private ReadOnlyMemory<byte> Take(int length)
    {
        if (length > data.Length - _pos)
        {
            throw new FormatException("truncated field");
        }

        var slice = data.Slice(_pos, length);
        _pos += length;
        return slice;
    }
}
