namespace Capstan.Agent.Streaming.Spdy;

/// <summary>
/// One SPDY/3 frame as read off the wire. Control frames (high bit set) carry a type; data frames a stream id.
/// The payload is the frame's data after the 8-byte header, header blocks still compressed.
/// </summary>
internal sealed record SpdyFrame(bool IsControl, SpdyFrameType Type, uint StreamId, byte Flags, byte[] Payload)
{
    public const byte FlagFin = 0x01;

    public bool Fin => (Flags & FlagFin) != 0;
}
