using System.Globalization;
using System.Text;

namespace Capstan.ApiServer.Protobuf;

/// <summary>Formats nanoseconds as Go's time.Duration.String does ("1h2m3.5s", "1.5ms", "0s"), the JSON form of metav1.Duration.</summary>
internal static class GoDuration
{
    public static string Format(long nanoseconds)
    {
        if (nanoseconds == 0)
        {
            return "0s";
        }

        var negative = nanoseconds < 0;
        var u = negative ? (ulong)(-(nanoseconds + 1)) + 1 : (ulong)nanoseconds;
        var sb = new StringBuilder();
        if (u < 1_000_000_000)
        {
            // Under a second Go picks the largest unit that keeps an integer part: ns, µs or ms.
            var (scale, unit) = u < 1_000 ? (1UL, "ns") : u < 1_000_000 ? (1_000UL, "µs") : (1_000_000UL, "ms");
            sb.Append(Fraction(u, scale)).Append(unit);
        }
        else
        {
            var seconds = u / 1_000_000_000;
            var fraction = u % 1_000_000_000;
            var hours = seconds / 3600;
            var minutes = seconds / 60 % 60;
            if (hours > 0)
            {
                sb.Append(hours.ToString(CultureInfo.InvariantCulture)).Append('h');
            }

            if (hours > 0 || minutes > 0)
            {
                sb.Append(minutes.ToString(CultureInfo.InvariantCulture)).Append('m');
            }

            sb.Append(Fraction((seconds % 60 * 1_000_000_000) + fraction, 1_000_000_000)).Append('s');
        }

        return negative ? "-" + sb : sb.ToString();
    }

    /// <summary>value/scale with the fraction's trailing zeros dropped, as Go prints it.</summary>
    private static string Fraction(ulong value, ulong scale)
    {
        var whole = (value / scale).ToString(CultureInfo.InvariantCulture);
        var rest = value % scale;
        if (rest == 0)
        {
            return whole;
        }

        var digits = scale.ToString(CultureInfo.InvariantCulture).Length - 1;
        return whole + "." + rest.ToString(CultureInfo.InvariantCulture).PadLeft(digits, '0').TrimEnd('0');
    }
}
