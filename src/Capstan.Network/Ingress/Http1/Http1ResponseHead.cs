using System.Text;

namespace Capstan.Network.Ingress.Http1;

/// <summary>
/// The parsed head of a backend's response: its status, how its body ends (RFC 9112 section 6.3, which depends on the
/// request's method too) and whether the backend closes afterwards. One instance per client connection, reused.
/// </summary>
internal sealed class Http1ResponseHead
{
    private const int MaxHeaders = 256;
    private readonly int[] _headerStarts = new int[MaxHeaders];
    private readonly int[] _headerEnds = new int[MaxHeaders];
    private readonly bool[] _hopByHop = new bool[MaxHeaders];
    private int _headerCount;
    private int _statusLineEnd;

    public int Length { get; private set; }

    public int StatusCode { get; private set; }

    public BodyFraming Framing { get; private set; }

    public long ContentLength { get; private set; }

    /// <summary>The backend closes the connection after this response (Connection: close, HTTP/1.0, or a body ended by close).</summary>
    public bool Close { get; private set; }

    /// <summary>Connection or Keep-Alive fields are present: they are hop-by-hop and are not forwarded as they are.</summary>
    public bool HasHopByHop { get; private set; }

    public bool Http10 { get; private set; }

    public Http1ParseStatus Parse(ReadOnlySpan<byte> buffer, bool headRequest)
    {
        var end = buffer.IndexOf("\r\n\r\n"u8);
        if (end < 0)
        {
            return Http1ParseStatus.Incomplete;
        }

        Length = end + 4;
        return ParseHead(buffer[..(end + 2)], headRequest) ? Http1ParseStatus.Complete : Http1ParseStatus.Malformed;
    }

    private bool ParseHead(ReadOnlySpan<byte> head, bool headRequest)
    {
        _statusLineEnd = head.IndexOf("\r\n"u8);
        var line = head[.._statusLineEnd];

        // "HTTP/1.1 200 OK": the version, a space, three digits, then a space and a reason (which may be empty or missing).
        if (line.Length < 12 || !line.StartsWith("HTTP/1."u8) || line[7] is not ((byte)'0' or (byte)'1') || line[8] != ' '
            || (line.Length > 12 && line[12] != ' ') || !char.IsAsciiDigit((char)line[9]) || !char.IsAsciiDigit((char)line[10]) || !char.IsAsciiDigit((char)line[11]))
        {
            return false;
        }

        Http10 = line[7] == '0';
        StatusCode = ((line[9] - '0') * 100) + ((line[10] - '0') * 10) + (line[11] - '0');
        _headerCount = 0;
        HasHopByHop = false;
        ContentLength = 0;
        bool hasLength = false, hasTransferEncoding = false, chunked = false, close = false, keepAlive = false;
        var position = _statusLineEnd + 2;
        while (position < head.Length)
        {
            var next = head[position..].IndexOf("\r\n"u8) + position;
            var field = head[position..next];
            var colon = field.IndexOf((byte)':');
            if (colon <= 0 || !Http1Syntax.IsToken(field[..colon]) || !Http1Syntax.IsValidValue(field) || _headerCount == MaxHeaders)
            {
                return false;
            }

            var name = field[..colon];
            var value = Http1Syntax.TrimWhitespace(field[(colon + 1)..]);
            var hopByHop = false;
            if (Ascii.EqualsIgnoreCase(name, "content-length"u8))
            {
                if (!Http1Syntax.TryParseContentLength(value, out var length) || (hasLength && length != ContentLength))
                {
                    return false;
                }

                hasLength = true;
                ContentLength = length;
            }
            else if (Ascii.EqualsIgnoreCase(name, "transfer-encoding"u8))
            {
                hasTransferEncoding = true;
                chunked = Http1Syntax.EndsWithChunked(value);
            }
            else if (Ascii.EqualsIgnoreCase(name, "connection"u8))
            {
                close |= Http1Syntax.ListContains(value, "close"u8);
                keepAlive |= Http1Syntax.ListContains(value, "keep-alive"u8);
                hopByHop = true;
            }
            else if (Ascii.EqualsIgnoreCase(name, "keep-alive"u8) || Ascii.EqualsIgnoreCase(name, "proxy-connection"u8))
            {
                hopByHop = true;
            }

            HasHopByHop |= hopByHop;
            _headerStarts[_headerCount] = position;
            _headerEnds[_headerCount] = next;
            _hopByHop[_headerCount] = hopByHop;
            _headerCount++;
            position = next + 2;
        }

        // Both framings at once is how responses get smuggled: refuse it (RFC 9112 section 6.3 lets a proxy do so).
        if (hasTransferEncoding && hasLength)
        {
            return false;
        }

        if (headRequest || StatusCode is < 200 or 204 or 304)
        {
            Framing = BodyFraming.None;
        }
        else if (hasTransferEncoding)
        {
            Framing = chunked ? BodyFraming.Chunked : BodyFraming.UntilClose;
        }
        else if (hasLength)
        {
            Framing = ContentLength > 0 ? BodyFraming.ContentLength : BodyFraming.None;
        }
        else
        {
            Framing = BodyFraming.UntilClose;
        }

        Close = close || (Http10 && !keepAlive) || Framing == BodyFraming.UntilClose;
        return true;
    }

    /// <summary>
    /// Writes the head for the client without its hop-by-hop fields, adding "Connection: close" when the client connection
    /// ends after it. Returns the bytes written, or -1 when <paramref name="destination"/> is too small.
    /// </summary>
    public int WriteForwarded(ReadOnlySpan<byte> buffer, Span<byte> destination, bool closeClient)
    {
        var writer = new SpanWriter(destination);
        writer.Write(buffer[.._statusLineEnd]);
        writer.Write("\r\n"u8);
        for (var i = 0; i < _headerCount; i++)
        {
            if (!_hopByHop[i])
            {
                writer.Write(buffer[_headerStarts[i].._headerEnds[i]]);
                writer.Write("\r\n"u8);
            }
        }

        if (closeClient)
        {
            writer.Write("Connection: close\r\n"u8);
        }

        writer.Write("\r\n"u8);
        return writer.Overflowed ? -1 : writer.Written;
    }
}
