using System.Buffers.Binary;

namespace Capstan.TestServer.Grpc;

/// <summary>One HTTP/2 frame (RFC 9113 section 4.1): a 9-byte header (length, type, flags, stream id) and its payload.</summary>
internal readonly record struct Http2Frame(byte Type, byte Flags, int StreamId, byte[] Payload)
{
    public const int HeaderLength = 9;

    public const byte Data = 0x0;
    public const byte Headers = 0x1;
    public const byte RstStream = 0x3;
    public const byte Settings = 0x4;
    public const byte Ping = 0x6;
    public const byte GoAway = 0x7;

    public const byte EndStream = 0x1;
    public const byte Ack = 0x1;
    public const byte EndHeaders = 0x4;
    public const byte Padded = 0x8;

    /// <summary>The largest payload we accept: SETTINGS_MAX_FRAME_SIZE's default, which we never raise.</summary>
    public const int MaxPayload = 16_384;

    public static async ValueTask<Http2Frame?> ReadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var header = new byte[HeaderLength];
        var read = await stream.ReadAtLeastAsync(header, HeaderLength, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (read < HeaderLength)
        {
            return null;
        }

        var length = (header[0] << 16) | (header[1] << 8) | header[2];
        if (length > MaxPayload)
        {
            throw new InvalidDataException($"HTTP/2 frame of {length} bytes");
        }

        var payload = new byte[length];
        await stream.ReadExactlyAsync(payload, cancellationToken).ConfigureAwait(false);
        var streamId = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(5)) & 0x7FFF_FFFF;
        return new Http2Frame(header[3], header[4], streamId, payload);
    }

    public byte[] Serialize()
    {
        var bytes = new byte[HeaderLength + Payload.Length];
        bytes[0] = (byte)(Payload.Length >> 16);
        bytes[1] = (byte)(Payload.Length >> 8);
        bytes[2] = (byte)Payload.Length;
        bytes[3] = Type;
        bytes[4] = Flags;
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(5), StreamId);
        Payload.CopyTo(bytes, HeaderLength);
        return bytes;
    }

    /// <summary>A DATA payload without its padding (RFC 9113 section 6.1).</summary>
    public ReadOnlySpan<byte> DataWithoutPadding()
    {
        if ((Flags & Padded) == 0)
        {
            return Payload;
        }

        var padding = Payload.Length > 0 ? Payload[0] : 0;
        return padding + 1 <= Payload.Length ? Payload.AsSpan(1, Payload.Length - 1 - padding) : throw new InvalidDataException("bad padding");
    }
}
