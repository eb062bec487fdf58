using System.Text;

namespace Capstan.Network.Ingress.Http1;

/// <summary>
/// The parsed head of one HTTP/1.x request: offsets into the connection's buffer (nothing is copied or allocated), the
/// fields that decide routing and framing, and which header lines are forwarded. One instance per connection, reused for
/// each request. Parsing follows RFC 9112: CRLF line ends, no whitespace before a field's colon, no obsolete line folding,
/// a Host on HTTP/1.1, Content-Length and Transfer-Encoding not both.
/// </summary>
internal sealed class Http1RequestHead
{
    /// <summary>Kestrel's default limit of header fields per request.</summary>
    public const int MaxHeaders = 100;

    private static readonly byte[] s_http2Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray();

    private readonly int[] _headerStarts = new int[MaxHeaders];
    private readonly int[] _headerEnds = new int[MaxHeaders];
    private readonly bool[] _headerForwarded = new bool[MaxHeaders];
    private int _headerCount;

    /// <summary>Bytes of the head including empty lines before it and the blank line that ends it.</summary>
    public int Length { get; private set; }

    public int RequestLineStart { get; private set; }

    public int RequestLineEnd { get; private set; }

    public Range Method { get; private set; }

    public Range Target { get; private set; }

    /// <summary>The path part of the target (no query), still percent-encoded.</summary>
    public Range Path { get; private set; }

    /// <summary>The Host field's value; empty range when absent (HTTP/1.0).</summary>
    public Range Host { get; private set; }

    public bool Http10 { get; private set; }

    public bool IsHeadMethod { get; private set; }

    public BodyFraming Framing { get; private set; }

    /// <summary>With <see cref="BodyFraming.ContentLength"/>, the body's length.</summary>
    public long ContentLength { get; private set; }

    /// <summary>The client asks to close after this exchange (Connection: close, or HTTP/1.0 without keep-alive).</summary>
    public bool Close { get; private set; }

    /// <summary>Connection: upgrade with an Upgrade field (websocket): a 101 answer turns the connection into a tunnel.</summary>
    public bool WantsUpgrade { get; private set; }

    public Range UpgradeValue { get; private set; }

    public Http1ParseStatus Parse(ReadOnlySpan<byte> buffer)
    {
        // RFC 9112 section 2.2: empty lines before the request line are ignored.
        var start = 0;
        while (buffer.Length - start >= 2 && buffer[start] == '\r' && buffer[start + 1] == '\n')
        {
            start += 2;
        }

        var rest = buffer[start..];
        if (rest.Length > 0 && s_http2Preface.AsSpan().StartsWith(rest[..Math.Min(rest.Length, s_http2Preface.Length)]))
        {
            return rest.Length >= s_http2Preface.Length ? Http1ParseStatus.Http2Preface : Http1ParseStatus.Incomplete;
        }

        var end = rest.IndexOf("\r\n\r\n"u8);
        if (end < 0)
        {
            // A request line without CRLF yet is checked early, so garbage does not wait for a full buffer.
            var firstLine = rest.IndexOf((byte)'\n');
            if (firstLine >= 0 && (firstLine == 0 || rest[firstLine - 1] != '\r'))
            {
                return Http1ParseStatus.Malformed;
            }

            return Http1ParseStatus.Incomplete;
        }

        Length = start + end + 4;
        return ParseHead(buffer, start, start + end + 2) ? Http1ParseStatus.Complete : Http1ParseStatus.Malformed;
    }

    private bool ParseHead(ReadOnlySpan<byte> buffer, int start, int end)
    {
        _headerCount = 0;
        Host = default;
        UpgradeValue = default;
        ContentLength = 0;
        var lineEnd = buffer[start..end].IndexOf("\r\n"u8) + start;
        if (!ParseRequestLine(buffer, start, lineEnd))
        {
            return false;
        }

        bool hasHost = false, hasLength = false, chunked = false, hasTransferEncoding = false, connectionClose = false, keepAlive = false, connectionUpgrade = false;
        var position = lineEnd + 2;
        while (position < end)
        {
            var next = buffer[position..end].IndexOf("\r\n"u8) + position;
            var line = buffer[position..next];
            var colon = line.IndexOf((byte)':');

            // No folded lines, no whitespace before the colon, a token name, a clean value.
            if (colon <= 0 || !Http1Syntax.IsToken(line[..colon]) || !Http1Syntax.IsValidValue(line) || _headerCount == MaxHeaders)
            {
                return false;
            }

            var name = line[..colon];
            var valueStart = position + colon + 1;
            var value = Http1Syntax.TrimWhitespace(line[(colon + 1)..]);
            var valueOffset = valueStart + line[(colon + 1)..].IndexOf(value);
            if (value.IsEmpty)
            {
                valueOffset = valueStart;
            }

            var forwarded = true;
            if (Ascii.EqualsIgnoreCase(name, "host"u8))
            {
                if (hasHost)
                {
                    return false;
                }

                hasHost = true;
                Host = new Range(valueOffset, valueOffset + value.Length);
            }
            else if (Ascii.EqualsIgnoreCase(name, "content-length"u8))
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
                connectionClose |= Http1Syntax.ListContains(value, "close"u8);
                keepAlive |= Http1Syntax.ListContains(value, "keep-alive"u8);
                connectionUpgrade |= Http1Syntax.ListContains(value, "upgrade"u8);
                forwarded = false;
            }
            else if (Ascii.EqualsIgnoreCase(name, "upgrade"u8))
            {
                UpgradeValue = new Range(valueOffset, valueOffset + value.Length);
                forwarded = false;
            }
            else if (Ascii.EqualsIgnoreCase(name, "keep-alive"u8) || Ascii.EqualsIgnoreCase(name, "proxy-connection"u8)
                || Ascii.EqualsIgnoreCase(name, "x-forwarded-for"u8) || Ascii.EqualsIgnoreCase(name, "x-forwarded-proto"u8)
                || Ascii.EqualsIgnoreCase(name, "x-forwarded-host"u8))
            {
                // Hop-by-hop fields stay here; the X-Forwarded ones are set afresh, as YARP's default transform does.
                forwarded = false;
            }

            _headerStarts[_headerCount] = position;
            _headerEnds[_headerCount] = next;
            _headerForwarded[_headerCount] = forwarded;
            _headerCount++;
            position = next + 2;
        }

        // RFC 9112 section 3.2: a client sends Host in every HTTP/1.1 request. Section 6.1: a request with both
        // Transfer-Encoding and Content-Length, or with a Transfer-Encoding that does not end in chunked, is an error.
        if ((!Http10 && !hasHost) || (hasTransferEncoding && (hasLength || !chunked)))
        {
            return false;
        }

        Framing = chunked ? BodyFraming.Chunked : ContentLength > 0 ? BodyFraming.ContentLength : BodyFraming.None;
        Close = connectionClose || (Http10 && !keepAlive);
        WantsUpgrade = connectionUpgrade && !UpgradeValue.Equals(default(Range)) && !Http10;
        return true;
    }

    private bool ParseRequestLine(ReadOnlySpan<byte> buffer, int start, int end)
    {
        var line = buffer[start..end];
        var firstSpace = line.IndexOf((byte)' ');
        var lastSpace = line.LastIndexOf((byte)' ');
        if (firstSpace <= 0 || lastSpace <= firstSpace + 1 || !Http1Syntax.IsToken(line[..firstSpace]))
        {
            return false;
        }

        var version = line[(lastSpace + 1)..];
        if (version.SequenceEqual("HTTP/1.1"u8))
        {
            Http10 = false;
        }
        else if (version.SequenceEqual("HTTP/1.0"u8))
        {
            Http10 = true;
        }
        else
        {
            return false;
        }

        var target = line[(firstSpace + 1)..lastSpace];
        if (target.IndexOfAnyInRange((byte)0, (byte)' ') >= 0 || target.Contains((byte)0x7f))
        {
            return false;
        }

        RequestLineStart = start;
        RequestLineEnd = end;
        Method = new Range(start, start + firstSpace);
        IsHeadMethod = line[..firstSpace].SequenceEqual("HEAD"u8);
        var targetStart = start + firstSpace + 1;
        Target = new Range(targetStart, targetStart + target.Length);

        // Origin form "/path?query"; absolute form "http://host/path" (RFC 9112 section 3.2.2) routes by its path;
        // asterisk form (OPTIONS *) by "/". Authority form (CONNECT) is not proxied.
        int pathStart;
        if (target[0] == '/')
        {
            pathStart = 0;
        }
        else if (target.Length == 1 && target[0] == '*')
        {
            Path = new Range(targetStart, targetStart);
            return true;
        }
        else if (StartsWithIgnoreCase(target, "http://"u8) || StartsWithIgnoreCase(target, "https://"u8))
        {
            var authority = target.IndexOf("//"u8) + 2;
            var slash = target[authority..].IndexOfAny((byte)'/', (byte)'?');
            pathStart = slash < 0 ? target.Length : authority + slash;
        }
        else
        {
            return false;
        }

        var query = target[pathStart..].IndexOf((byte)'?');
        Path = new Range(targetStart + pathStart, targetStart + (query < 0 ? target.Length : pathStart + query));
        return true;
    }

    /// <summary>
    /// Writes the head as forwarded to a backend: the request line, the end-to-end fields, X-Forwarded-For/-Proto/-Host
    /// (YARP's defaults: set, not appended) and, for an upgrade, Connection and Upgrade. Returns the bytes written, or -1
    /// when <paramref name="destination"/> is too small.
    /// </summary>
    public int WriteForwarded(ReadOnlySpan<byte> buffer, Span<byte> destination, ReadOnlySpan<byte> clientAddress, bool tls)
    {
        var writer = new SpanWriter(destination);
        writer.Write(buffer[RequestLineStart..RequestLineEnd]);
        writer.Write("\r\n"u8);
        for (var i = 0; i < _headerCount; i++)
        {
            if (_headerForwarded[i])
            {
                writer.Write(buffer[_headerStarts[i].._headerEnds[i]]);
                writer.Write("\r\n"u8);
            }
        }

        writer.Write("X-Forwarded-For: "u8);
        writer.Write(clientAddress);
        writer.Write(tls ? "\r\nX-Forwarded-Proto: https\r\n"u8 : "\r\nX-Forwarded-Proto: http\r\n"u8);
        if (!Host.Equals(default(Range)))
        {
            writer.Write("X-Forwarded-Host: "u8);
            writer.Write(buffer[Host]);
            writer.Write("\r\n"u8);
        }

        if (WantsUpgrade)
        {
            writer.Write("Connection: upgrade\r\nUpgrade: "u8);
            writer.Write(buffer[UpgradeValue]);
            writer.Write("\r\n"u8);
        }
        else if (Http10)
        {
            // An HTTP/1.0 request line goes on as it came; asking for keep-alive lets the backend connection be pooled.
            writer.Write("Connection: keep-alive\r\n"u8);
        }

        writer.Write("\r\n"u8);
        return writer.Overflowed ? -1 : writer.Written;
    }

    /// <summary>The host name of the Host field, without port and trailing dot, as routing compares it.</summary>
    public string HostName(ReadOnlySpan<byte> buffer) => Encoding.ASCII.GetString(HostBytes(buffer));

    public ReadOnlySpan<byte> HostBytes(ReadOnlySpan<byte> buffer)
    {
        var host = buffer[Host];
        if (host.Length > 0 && host[0] == '[')
        {
            var close = host.IndexOf((byte)']');
            host = close < 0 ? host : host[..(close + 1)];
        }
        else
        {
            var colon = host.LastIndexOf((byte)':');
            host = colon < 0 ? host : host[..colon];
        }

        while (host.Length > 0 && host[^1] == '.')
        {
            host = host[..^1];
        }

        return host;
    }

    /// <summary>The path routing compares: percent-decoded as UTF-8 except "%2F" (as Kestrel does), "/" when empty.</summary>
    public string RoutingPath(ReadOnlySpan<byte> buffer)
    {
        var path = buffer[Path];
        if (path.IsEmpty)
        {
            return "/";
        }

        if (path.IndexOf((byte)'%') < 0)
        {
            return Encoding.UTF8.GetString(path);
        }

        Span<byte> decoded = path.Length <= 1024 ? stackalloc byte[path.Length] : new byte[path.Length];
        var length = 0;
        for (var i = 0; i < path.Length; i++)
        {
            if (path[i] == '%' && i + 2 < path.Length && IsHex(path[i + 1]) && IsHex(path[i + 2]))
            {
                var value = (byte)((Hex(path[i + 1]) << 4) | Hex(path[i + 2]));
                if (value != '/')
                {
                    decoded[length++] = value;
                    i += 2;
                    continue;
                }
            }

            decoded[length++] = path[i];
        }

        return Encoding.UTF8.GetString(decoded[..length]);
    }

    private static bool StartsWithIgnoreCase(ReadOnlySpan<byte> value, ReadOnlySpan<byte> prefix) =>
        value.Length >= prefix.Length && Ascii.EqualsIgnoreCase(value[..prefix.Length], prefix);

    private static bool IsHex(byte b) => b is (>= (byte)'0' and <= (byte)'9') or (>= (byte)'a' and <= (byte)'f') or (>= (byte)'A' and <= (byte)'F');

    private static int Hex(byte b) => b <= '9' ? b - '0' : (b | 0x20) - 'a' + 10;
}
