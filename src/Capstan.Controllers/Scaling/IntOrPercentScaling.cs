using System.Globalization;
using System.Text.Json.Nodes;
using Capstan.Api.Validation;

namespace Capstan.Controllers.Scaling;

/// <summary>Kubernetes' GetScaledValueFromIntOrPercent: an int as is, "25%" of a total rounded up or down.</summary>
internal static class IntOrPercentScaling
{
    public static int Scale(JsonNode? value, int total, bool roundUp, int fallback = 0)
    {
        if (JsonAccess.AsLong(value) is { } n)
        {
            return (int)n;
        }

        var s = JsonAccess.AsString(value);
        if (string.IsNullOrEmpty(s))
        {
            return fallback;
        }

        if (s.EndsWith('%') && int.TryParse(s.AsSpan(0, s.Length - 1), NumberStyles.Integer, CultureInfo.InvariantCulture, out var percent))
        {
            // Integer arithmetic, as Kubernetes does, so 33% of 3 is exactly 0.99 → 1 up, 0 down.
            var scaled = (long)percent * total;
            return (int)(roundUp ? (scaled + 99) / 100 : scaled / 100);
        }

        return int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) ? i : fallback;
    }

    public static bool IsPercent(JsonNode? value) => JsonAccess.AsString(value)?.EndsWith('%') == true;
}
