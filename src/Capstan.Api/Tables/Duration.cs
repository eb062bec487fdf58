using System.Globalization;

namespace Capstan.Api.Tables;

/// <summary>Human-readable durations exactly as Kubernetes prints them in tables (AGE, DURATION, "5m ago").</summary>
public static class Duration
{
    /// <summary>
    /// Kubernetes' duration.HumanDuration: about two or three significant figures, e.g. "45s", "3m20s", "15m",
    /// "5h10m", "20h", "2d3h", "45d", "2y10d", "9y". Up to one second in the future reads "0s"; further is "&lt;invalid&gt;".
    /// </summary>
    public static string HumanShort(TimeSpan d)
    {
        // Integer division of ticks truncates toward zero, like Go's int(d.Seconds()).
        var seconds = d.Ticks / TimeSpan.TicksPerSecond;
        if (seconds < -1)
        {
            return "<invalid>";
        }

        if (seconds < 0)
        {
            return "0s";
        }

        if (seconds < 60 * 2)
        {
            return F($"{seconds}s");
        }

        var minutes = d.Ticks / TimeSpan.TicksPerMinute;
        if (minutes < 10)
        {
            var s = seconds % 60;
            return s == 0 ? F($"{minutes}m") : F($"{minutes}m{s}s");
        }

        if (minutes < 60 * 3)
        {
            return F($"{minutes}m");
        }

        var hours = d.Ticks / TimeSpan.TicksPerHour;
        if (hours < 8)
        {
            var m = minutes % 60;
            return m == 0 ? F($"{hours}h") : F($"{hours}h{m}m");
        }

        if (hours < 48)
        {
            return F($"{hours}h");
        }

        if (hours < 24 * 8)
        {
            var h = hours % 24;
            return h == 0 ? F($"{hours / 24}d") : F($"{hours / 24}d{h}h");
        }

        if (hours < 24 * 365 * 2)
        {
            return F($"{hours / 24}d");
        }

        if (hours < 24 * 365 * 8)
        {
            var dy = hours / 24 % 365;
            return dy == 0 ? F($"{hours / 24 / 365}y") : F($"{hours / 24 / 365}y{dy}d");
        }

        return F($"{hours / 24 / 365}y");
    }

    /// <summary>The AGE cell: time since <paramref name="timestamp"/>, or "&lt;unknown&gt;" when there is none.</summary>
    public static string Since(DateTimeOffset? timestamp, DateTimeOffset now) =>
        timestamp is { } t ? HumanShort(now - t) : "<unknown>";

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
