namespace Capstan.Network.Ingress.Http1;

/// <summary>Byte-level pieces shared by the request and response head parsers.</summary>
internal static class Http1Syntax
{
    /// <summary>Field names and methods are tokens (RFC 9110 section 5.6.2).</summary>
    public static bool IsToken(ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty)
        {
            return false;
        }

        foreach (var b in value)
        {
            if (!IsTokenChar(b))
            {
                return false;
            }
        }

        return true;
    }

    public static bool IsTokenChar(byte b) =>
        b is (>= (byte)'a' and <= (byte)'z') or (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'0' and <= (byte)'9')
            or (byte)'!' or (byte)'#' or (byte)'$' or (byte)'%' or (byte)'&' or (byte)'\'' or (byte)'*' or (byte)'+'
            or (byte)'-' or (byte)'.' or (byte)'^' or (byte)'_' or (byte)'`' or (byte)'|' or (byte)'~';

    /// <summary>A field value holds no CR, LF or NUL (RFC 9110 section 5.5).</summary>
    public static bool IsValidValue(ReadOnlySpan<byte> value) => value.IndexOfAny((byte)'\r', (byte)'\n', (byte)0) < 0;

    public static ReadOnlySpan<byte> TrimWhitespace(ReadOnlySpan<byte> value)
    {
        var start = 0;
        var end = value.Length;
        while (start < end && value[start] is (byte)' ' or (byte)'\t')
        {
            start++;
        }

        while (end > start && value[end - 1] is (byte)' ' or (byte)'\t')
        {
            end--;
        }

        return value[start..end];
    }

    /// <summary>A Content-Length value: digits only, no sign, no overflow; a list of equal values counts as one.</summary>
    public static bool TryParseContentLength(ReadOnlySpan<byte> value, out long length)
    {
        length = -1;
        while (!value.IsEmpty)
        {
            var comma = value.IndexOf((byte)',');
            var item = TrimWhitespace(comma < 0 ? value : value[..comma]);
            value = comma < 0 ? default : value[(comma + 1)..];
            if (item.IsEmpty || item.Length > 18)
            {
                return false;
            }

            long parsed = 0;
            foreach (var b in item)
            {
                if (b is < (byte)'0' or > (byte)'9')
                {
                    return false;
                }

                parsed = (parsed * 10) + (b - '0');
            }

            if (length >= 0 && length != parsed)
            {
                return false;
            }

            length = parsed;
        }

        return length >= 0;
    }

    /// <summary>Whether a comma-separated list (Connection, Transfer-Encoding) holds <paramref name="token"/>, ignoring case.</summary>
    public static bool ListContains(ReadOnlySpan<byte> list, ReadOnlySpan<byte> token)
    {
        while (!list.IsEmpty)
        {
            var comma = list.IndexOf((byte)',');
            var item = TrimWhitespace(comma < 0 ? list : list[..comma]);
            if (System.Text.Ascii.EqualsIgnoreCase(item, token))
            {
                return true;
            }

            list = comma < 0 ? default : list[(comma + 1)..];
        }

        return false;
    }

    /// <summary>Whether the last coding of a Transfer-Encoding list is chunked.</summary>
    public static bool EndsWithChunked(ReadOnlySpan<byte> list)
    {
        var comma = list.LastIndexOf((byte)',');
        return System.Text.Ascii.EqualsIgnoreCase(TrimWhitespace(comma < 0 ? list : list[(comma + 1)..]), "chunked"u8);
    }
}
