using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Capstan.Agent.Streaming;

/// <summary>The query of <c>/containerLogs</c>, with the validation rules of PodLogOptions.</summary>
internal sealed record LogOptions
{
    public bool Follow { get; init; }

    public bool Previous { get; init; }

    public long? TailLines { get; init; }

    public DateTimeOffset? Since { get; init; }

    public bool Timestamps { get; init; }

    public long? LimitBytes { get; init; }

    /// <summary>Null and an error message when a parameter is malformed or out of range.</summary>
    public static LogOptions? Parse(IQueryCollection query, DateTimeOffset now, out string? error)
    {
        error = null;
        var options = new LogOptions
        {
            Follow = Bool(query, "follow", ref error),
            Previous = Bool(query, "previous", ref error),
            Timestamps = Bool(query, "timestamps", ref error),
            TailLines = Long(query, "tailLines", ref error),
            LimitBytes = Long(query, "limitBytes", ref error),
        };
        var sinceSeconds = Long(query, "sinceSeconds", ref error);
        var sinceTimeText = query["sinceTime"].ToString();
        if (error is not null)
        {
            return null;
        }

        if (options.TailLines < 0)
        {
            error = "tailLines: Invalid value: " + options.TailLines.Value.ToString(CultureInfo.InvariantCulture) + ": must be greater than or equal to 0";
            return null;
        }

        if (options.LimitBytes < 1)
        {
            error = "limitBytes: Invalid value: " + options.LimitBytes.Value.ToString(CultureInfo.InvariantCulture) + ": must be greater than 0";
            return null;
        }

        if (sinceSeconds is not null && sinceTimeText.Length > 0)
        {
            error = "sinceSeconds: Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified";
            return null;
        }

        if (sinceSeconds is not null)
        {
            if (sinceSeconds < 1)
            {
                error = "sinceSeconds: Invalid value: " + sinceSeconds.Value.ToString(CultureInfo.InvariantCulture) + ": must be greater than 0";
                return null;
            }

            return options with { Since = now - TimeSpan.FromSeconds(sinceSeconds.Value) };
        }

        if (sinceTimeText.Length > 0)
        {
            if (!CriLogLine.TryParseTimestamp(sinceTimeText.AsSpan(), out var sinceTime))
            {
                error = $"sinceTime: Invalid value: \"{sinceTimeText}\": must be an RFC 3339 time";
                return null;
            }

            return options with { Since = sinceTime };
        }

        return options;
    }

    private static bool Bool(IQueryCollection query, string name, ref string? error)
    {
        var text = query[name].ToString();
        if (text.Length == 0)
        {
            return false;
        }

        if (bool.TryParse(text, out var value))
        {
            return value;
        }

        if (text is "1" or "0")
        {
            return text == "1";
        }

        error ??= $"{name}: Invalid value: \"{text}\": must be a boolean";
        return false;
    }

    private static long? Long(IQueryCollection query, string name, ref string? error)
    {
        var text = query[name].ToString();
        if (text.Length == 0)
        {
            return null;
        }

        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        error ??= $"{name}: Invalid value: \"{text}\": must be an integer";
        return null;
    }
}
