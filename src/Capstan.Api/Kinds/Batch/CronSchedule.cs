using System.Globalization;

namespace Capstan.Api.Kinds.Batch;

/// <summary>
/// A parsed standard cron schedule (minute hour day-of-month month day-of-week), with the descriptors @yearly, @annually,
/// @monthly, @weekly, @daily, @midnight, @hourly and @every &lt;duration&gt;; the grammar CronJobs accept.
/// </summary>
public sealed class CronSchedule
{
    private static readonly string[] MonthNames = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
    private static readonly string[] DayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

    private CronSchedule(ulong minutes, ulong hours, ulong days, ulong months, ulong weekdays, bool dayStar, bool weekdayStar, TimeSpan? every)
    {
        Minutes = minutes;
        Hours = hours;
        DaysOfMonth = days;
        Months = months;
        DaysOfWeek = weekdays;
        DayOfMonthIsStar = dayStar;
        DayOfWeekIsStar = weekdayStar;
        Every = every;
    }

    /// <summary>Bit i set when minute i (0-59) matches.</summary>
    public ulong Minutes { get; }

    public ulong Hours { get; }

    /// <summary>Bit i set when day i (1-31) matches.</summary>
    public ulong DaysOfMonth { get; }

    /// <summary>Bit i set when month i (1-12) matches.</summary>
    public ulong Months { get; }

    /// <summary>Bit i set when weekday i (0 = Sunday) matches.</summary>
    public ulong DaysOfWeek { get; }

    public bool DayOfMonthIsStar { get; }

    public bool DayOfWeekIsStar { get; }

    /// <summary>The interval of an "@every" schedule; null otherwise.</summary>
    public TimeSpan? Every { get; }

    /// <summary>Parses a schedule; <paramref name="error"/> says what is wrong, in the words of the cron library Kubernetes uses.</summary>
    public static bool TryParse(string text, out CronSchedule? schedule, out string error)
    {
        schedule = null;
        error = "";
        var spec = text.Trim();
        if (spec.Length == 0)
        {
            error = "empty spec string";
            return false;
        }

        if (spec.StartsWith("TZ=", StringComparison.Ordinal) || spec.StartsWith("CRON_TZ=", StringComparison.Ordinal))
        {
            var space = spec.IndexOf(' ');
            if (space < 0)
            {
                error = "missing fields";
                return false;
            }

            spec = spec[(space + 1)..].Trim();
        }

        if (spec.StartsWith('@'))
        {
            return TryParseDescriptor(spec, out schedule, out error);
        }

        var fields = spec.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length != 5)
        {
            error = $"expected exactly 5 fields, found {fields.Length}: [{string.Join(" ", fields)}]";
            return false;
        }

        if (!TryField(fields[0], 0, 59, null, out var minutes, out _, out error)
            || !TryField(fields[1], 0, 23, null, out var hours, out _, out error)
            || !TryField(fields[2], 1, 31, null, out var days, out var dayStar, out error)
            || !TryField(fields[3], 1, 12, MonthNames, out var months, out _, out error)
            || !TryField(fields[4], 0, 6, DayNames, out var weekdays, out var weekdayStar, out error))
        {
            return false;
        }

        schedule = new CronSchedule(minutes, hours, days, months, weekdays, dayStar, weekdayStar, null);
        return true;
    }

    private static bool TryParseDescriptor(string spec, out CronSchedule? schedule, out string error)
    {
        schedule = null;
        error = "";
        const ulong AllDays = 0xFFFFFFFEUL; // 1-31
        const ulong AllMonths = 0x1FFEUL; // 1-12
        const ulong AllWeekdays = 0x7FUL;
        const ulong AllHours = 0xFFFFFFUL;
        switch (spec)
        {
            case "@yearly" or "@annually":
                schedule = new CronSchedule(1, 1, 1UL << 1, 1UL << 1, AllWeekdays, false, true, null);
                return true;
            case "@monthly":
                schedule = new CronSchedule(1, 1, 1UL << 1, AllMonths, AllWeekdays, false, true, null);
                return true;
            case "@weekly":
                schedule = new CronSchedule(1, 1, AllDays, AllMonths, 1, true, false, null);
                return true;
            case "@daily" or "@midnight":
                schedule = new CronSchedule(1, 1, AllDays, AllMonths, AllWeekdays, true, true, null);
                return true;
            case "@hourly":
                schedule = new CronSchedule(1, AllHours, AllDays, AllMonths, AllWeekdays, true, true, null);
                return true;
        }

        if (spec.StartsWith("@every ", StringComparison.Ordinal))
        {
            var text = spec["@every ".Length..].Trim();
            if (!TryParseGoDuration(text, out var interval))
            {
                error = $"failed to parse duration {spec}: time: invalid duration \"{text}\"";
                return false;
            }

            schedule = new CronSchedule(0, 0, 0, 0, 0, false, false, interval);
            return true;
        }

        error = $"unrecognized descriptor: {spec}";
        return false;
    }

    private static bool TryField(string field, int min, int max, string[]? names, out ulong bits, out bool star, out string error)
    {
        bits = 0;
        star = false;
        error = "";
        foreach (var part in field.Split(','))
        {
            if (!TryRange(part, min, max, names, out var rangeBits, out var partStar, out error))
            {
                return false;
            }

            bits |= rangeBits;
            star |= partStar;
        }

        return true;
    }

    private static bool TryRange(string expr, int min, int max, string[]? names, out ulong bits, out bool star, out string error)
    {
        bits = 0;
        star = false;
        error = "";
        var slash = expr.Split('/');
        var range = slash[0].Split('-');
        int start, end;
        var step = 1;
        if (range[0] is "*" or "?")
        {
            if (range.Length > 1)
            {
                error = $"too many hyphens: {expr}";
                return false;
            }

            start = min;
            end = max;
            star = slash.Length == 1;
        }
        else
        {
            if (!TryValue(range[0], names, min, out start, out error))
            {
                return false;
            }

            switch (range.Length)
            {
                case 1:
                    end = start;
                    break;
                case 2:
                    if (!TryValue(range[1], names, min, out end, out error))
                    {
                        return false;
                    }

                    break;
                default:
                    error = $"too many hyphens: {expr}";
                    return false;
            }
        }

        switch (slash.Length)
        {
            case 1:
                break;
            case 2:
                if (!int.TryParse(slash[1], NumberStyles.None, CultureInfo.InvariantCulture, out step))
                {
                    error = $"failed to parse int from {slash[1]}: strconv.Atoi: parsing \"{slash[1]}\": invalid syntax";
                    return false;
                }

                // "N/step" means N through the maximum.
                if (range.Length == 1 && range[0] is not ("*" or "?"))
                {
                    end = max;
                }

                break;
            default:
                error = $"too many slashes: {expr}";
                return false;
        }

        if (start < min)
        {
            error = $"beginning of range ({start}) below minimum ({min}): {expr}";
            return false;
        }

        if (end > max)
        {
            error = $"end of range ({end}) above maximum ({max}): {expr}";
            return false;
        }

        if (start > end)
        {
            error = $"beginning of range ({start}) beyond end of range ({end}): {expr}";
            return false;
        }

        if (step == 0)
        {
            error = $"step of range should be a positive number: {expr}";
            return false;
        }

        for (var i = start; i <= end; i += step)
        {
            bits |= 1UL << i;
        }

        return true;
    }

    private static bool TryValue(string text, string[]? names, int min, out int value, out string error)
    {
        error = "";
        if (names is not null)
        {
            var index = Array.IndexOf(names, text.ToLowerInvariant());
            if (index >= 0)
            {
                value = index + (names.Length == 12 ? 1 : 0);
                return true;
            }
        }

        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value))
        {
            return true;
        }

        error = $"failed to parse int from {text}: strconv.Atoi: parsing \"{text}\": invalid syntax";
        return false;
    }

    /// <summary>Go's time.ParseDuration for the units h, m, s, ms, us, ns, e.g. "1h30m", "90s".</summary>
    public static bool TryParseGoDuration(string text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        if (text.Length == 0)
        {
            return false;
        }

        if (text == "0")
        {
            return true;
        }

        var pos = 0;
        double totalMs = 0;
        while (pos < text.Length)
        {
            var start = pos;
            while (pos < text.Length && (char.IsAsciiDigit(text[pos]) || text[pos] == '.')) pos++;
            if (start == pos || !double.TryParse(text[start..pos], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            {
                return false;
            }

            var unitStart = pos;
            while (pos < text.Length && !char.IsAsciiDigit(text[pos]) && text[pos] != '.') pos++;
            double? factor = text[unitStart..pos] switch
            {
                "h" => 3_600_000,
                "m" => 60_000,
                "s" => 1000,
                "ms" => 1,
                "us" or "µs" => 0.001,
                "ns" => 0.000001,
                _ => null,
            };
            if (factor is null)
            {
                return false;
            }

            totalMs += number * factor.Value;
        }

        duration = TimeSpan.FromMilliseconds(totalMs);
        return true;
    }
}
