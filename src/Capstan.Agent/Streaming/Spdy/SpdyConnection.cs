using System.Buffers.Binary;

namespace Capstan.Agent.Streaming.Spdy;

/// <summary>
/// The SPDY/3.1 framing over a byte stream (an upgraded connection, or a WebSocket tunnel): reads frames and writes
/// the few the server side of port-forward needs. Writes are serialised; reads are for one reader loop.
/// Flow control is not enforced: client-go's SPDY implementation neither sends nor honours WINDOW_UPDATE.
/// </summary>
internal sealed class SpdyConnection : IDisposable
{
    public const int MaxDataFrame = 32 * 1024;
    private const ushort Version = 3;

    private readonly Stream _transport;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly SpdyHeaderCompression _headers = new();
    private readonly byte[] _header = new byte[8];

    public SpdyConnection(Stream transport)
    {
        _transport = transport;
    }

    /// <summary>The next frame, or null when the peer has closed the connection.</summary>
    /// <exception cref="InvalidDataException">A frame is malformed (the connection cannot go on).</exception>
    public async Task<SpdyFrame?> ReadFrameAsync(CancellationToken ct)
    {
        if (!await ReadFullyAsync(_header, ct).ConfigureAwait(false))
        {
            return null;
        }

        var first = BinaryPrimitives.ReadUInt32BigEndian(_header);
        var flags = _header[4];
        var length = (_header[5] << 16) | (_header[6] << 8) | _header[7];
        var payload = new byte[length];
        if (length > 0 && !await ReadFullyAsync(payload, ct).ConfigureAwait(false))
        {
            return null;
        }

        if ((first & 0x80000000) == 0)
        {
            return new SpdyFrame(false, 0, first & 0x7FFFFFFF, flags, payload);
        }

        var version = (first >> 16) & 0x7FFF;
        if (version != Version)
        {
            throw new InvalidDataException($"SPDY version {version} is not supported");
        }

        var type = (SpdyFrameType)(first & 0xFFFF);
        var streamId = type is SpdyFrameType.SynStream or SpdyFrameType.SynReply or SpdyFrameType.RstStream or SpdyFrameType.Headers or SpdyFrameType.WindowUpdate && length >= 4
            ? BinaryPrimitives.ReadUInt32BigEndian(payload) & 0x7FFFFFFF
            : 0;
        return new SpdyFrame(true, type, streamId, flags, payload);
    }

    /// <summary>The headers of a SYN_STREAM (after stream id, associated id, priority and slot).</summary>
    public List<KeyValuePair<string, string>> SynStreamHeaders(SpdyFrame frame) =>
        frame.Payload.Length < 10 ? throw new InvalidDataException("SYN_STREAM too short") : _headers.Decode(frame.Payload.AsSpan(10));

    /// <summary>Opens a stream (the client side; the agent only answers them, tests open them).</summary>
    public Task SendSynStreamAsync(uint streamId, IReadOnlyList<KeyValuePair<string, string>> headers, CancellationToken ct)
    {
        var block = _headers.Encode(headers);
        var payload = new byte[10 + block.Length];
        BinaryPrimitives.WriteUInt32BigEndian(payload, streamId);
        block.CopyTo(payload, 10);
        return SendControlAsync(SpdyFrameType.SynStream, 0, payload, ct);
    }

    /// <summary>The headers of a SYN_REPLY.</summary>
    public List<KeyValuePair<string, string>> SynReplyHeaders(SpdyFrame frame) =>
        frame.Payload.Length < 4 ? throw new InvalidDataException("SYN_REPLY too short") : _headers.Decode(frame.Payload.AsSpan(4));

    public Task SendSynReplyAsync(uint streamId, CancellationToken ct)
    {
        var block = _headers.Encode([]);
        var payload = new byte[4 + block.Length];
        BinaryPrimitives.WriteUInt32BigEndian(payload, streamId);
        block.CopyTo(payload, 4);
        return SendControlAsync(SpdyFrameType.SynReply, 0, payload, ct);
    }

    public Task SendRstStreamAsync(uint streamId, uint status, CancellationToken ct)
    {
        var payload = new byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(payload, streamId);
        BinaryPrimitives.WriteUInt32BigEndian(payload.AsSpan(4), status);
        return SendControlAsync(SpdyFrameType.RstStream, 0, payload, ct);
    }

    /// <summary>Answers a PING with the same id.</summary>
    public Task SendPingAsync(byte[] payload, CancellationToken ct) => SendControlAsync(SpdyFrameType.Ping, 0, payload, ct);

    public Task SendGoAwayAsync(uint lastStreamId, CancellationToken ct)
    {
        var payload = new byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(payload, lastStreamId);
        return SendControlAsync(SpdyFrameType.GoAway, 0, payload, ct);
    }

    public async Task SendDataAsync(uint streamId, ReadOnlyMemory<byte> data, bool fin, CancellationToken ct)
    {
        do
        {
            var chunk = data[..Math.Min(data.Length, MaxDataFrame)];
            data = data[chunk.Length..];
            var frame = new byte[8 + chunk.Length];
            BinaryPrimitives.WriteUInt32BigEndian(frame, streamId & 0x7FFFFFFF);
            WriteFlagsAndLength(frame, fin && data.Length == 0 ? SpdyFrame.FlagFin : (byte)0, chunk.Length);
            chunk.CopyTo(frame.AsMemory(8));
            await WriteAsync(frame, ct).ConfigureAwait(false);
        }
        while (data.Length > 0);
    }

    public void Dispose()
    {
        _headers.Dispose();
        _writeLock.Dispose();
    }

    private Task SendControlAsync(SpdyFrameType type, byte flags, byte[] payload, CancellationToken ct)
    {
        var frame = new byte[8 + payload.Length];
        BinaryPrimitives.WriteUInt16BigEndian(frame, 0x8000 | Version);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), (ushort)type);
        WriteFlagsAndLength(frame, flags, payload.Length);
        payload.CopyTo(frame, 8);
        return WriteAsync(frame, ct);
    }

    private static void WriteFlagsAndLength(byte[] frame, byte flags, int length)
    {
        frame[4] = flags;
        frame[5] = (byte)(length >> 16);
        frame[6] = (byte)(length >> 8);
        frame[7] = (byte)length;
    }

    private async Task WriteAsync(byte[] frame, CancellationToken ct)
    {
        await _writeLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            await _transport.WriteAsync(frame, ct).ConfigureAwait(false);
            await _transport.FlushAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async Task<bool> ReadFullyAsync(Memory<byte> buffer, CancellationToken ct)
    {
        var read = await _transport.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, ct).ConfigureAwait(false);
        return read == buffer.Length;
    }
}
