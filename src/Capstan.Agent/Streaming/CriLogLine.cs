using System.Globalization;
using System.Text;

namespace Capstan.Agent.Streaming;

/// <summary>
/// One record of a CRI log file: <c>2016-10-06T00:17:09.669794202Z stdout F content</c>. The tag is F for a full line
/// (the newline was stripped) or P for a partial one that continues in the next record of the same stream.
/// </summary>
internal readonly record struct CriLogLine(DateTimeOffset Timestamp, string RawTimestamp, string Stream, bool Partial, ReadOnlyMemory<byte> Content)
{
    /// <summary>Parses one record without its trailing newline; false for a malformed one (skipped, as the kubelet does).</summary>
    public static bool TryParse(ReadOnlyMemory<byte> record, out CriLogLine line)
    {
        line = default;
        var span = record.Span;
        var first = span.IndexOf((byte)' ');
        if (first <= 0)
        {
            return false;
        }

        var rest = span[(first + 1)..];
        var second = rest.IndexOf((byte)' ');
        if (second <= 0)
        {
            return false;
        }

        var stream = Encoding.ASCII.GetString(rest[..second]);
        if (stream is not ("stdout" or "stderr"))
        {
            return false;
        }

        rest = rest[(second + 1)..];
        bool partial;
        int contentStart;
        var third = rest.IndexOf((byte)' ');
        var tag = third < 0 ? rest : rest[..third];
        if (tag.SequenceEqual("P"u8))
        {
            partial = true;
        }
        else if (tag.SequenceEqual("F"u8))
        {
            partial = false;
        }
        else
        {
            return false;
        }

        contentStart = first + 1 + second + 1 + (third < 0 ? rest.Length : third + 1);
        if (!TryParseTimestamp(span[..first], out var timestamp))
        {
            return false;
        }

        line = new CriLogLine(timestamp, Encoding.ASCII.GetString(span[..first]), stream, partial, record[Math.Min(contentStart, record.Length)..]);
        return true;
    }

    /// <summary>RFC 3339 with up to nine fraction digits; .NET keeps 100 ns ticks, which is all the comparisons need.</summary>
    public static bool TryParseTimestamp(ReadOnlySpan<byte> text, out DateTimeOffset timestamp)
    {
        Span<char> chars = stackalloc char[Math.Min(text.Length, 64)];
        if (text.Length > 64)
        {
            timestamp = default;
            return false;
        }

        Encoding.ASCII.GetChars(text, chars);
        return TryParseTimestamp(chars, out timestamp);
    }

    public static bool TryParseTimestamp(ReadOnlySpan<char> text, out DateTimeOffset timestamp)
    {
        // Trim the fraction to seven digits (ticks) so that .NET parses it.
        var dot = text.IndexOf('.');
        string normalized;
        if (dot >= 0)
        {
            var end = dot + 1;
            while (end < text.Length && char.IsAsciiDigit(text[end]))
            {
                end++;
            }

            var digits = Math.Min(end - dot - 1, 7);
            normalized = string.Concat(text[..(dot + 1 + digits)], text[end..]);
        }
        else
        {
            normalized = text.ToString();
        }

        return DateTimeOffset.TryParse(normalized, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out timestamp);
    }

    /// <summary>
    /// The record's time as the kubelet prints it with --timestamps (Go's RFC3339Nano: trailing zeros of the fraction
    /// dropped). The file's own text keeps all nine digits, which ticks cannot; it is reformatted only when not in UTC.
    /// </summary>
    public string FormattedTimestamp
    {
        get
        {
            if (!RawTimestamp.EndsWith('Z'))
            {
                return FormatTimestamp(Timestamp);
            }

            var dot = RawTimestamp.IndexOf('.', StringComparison.Ordinal);
            if (dot < 0)
            {
                return RawTimestamp;
            }

            var fraction = RawTimestamp[(dot + 1)..^1].TrimEnd('0');
            return fraction.Length == 0 ? RawTimestamp[..dot] + "Z" : RawTimestamp[..(dot + 1)] + fraction + "Z";
        }
    }

    /// <summary>Go's RFC3339Nano in UTC, trailing zeros of the fraction dropped.</summary>
    public static string FormatTimestamp(DateTimeOffset timestamp)
    {
        var utc = timestamp.UtcDateTime;
        var fraction = (utc.Ticks % TimeSpan.TicksPerSecond * 100).ToString("D9", CultureInfo.InvariantCulture).TrimEnd('0');
        var seconds = utc.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
        return fraction.Length == 0 ? seconds + "Z" : seconds + "." + fraction + "Z";
    }
}
