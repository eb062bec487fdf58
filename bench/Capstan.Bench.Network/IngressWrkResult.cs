using System.Globalization;
using System.Text.RegularExpressions;

namespace Capstan.Bench.Network;

/// <summary>What one wrk run reported: requests per second and the latency percentiles of --latency, in milliseconds.</summary>
public sealed partial record IngressWrkResult(double RequestsPerSecond, double P50Ms, double P99Ms, long Errors, long Requests)
{
    public static IngressWrkResult? Parse(string output)
    {
        var rps = RequestsPattern().Match(output);
        var p50 = Percentile(output, "50%");
        var p99 = Percentile(output, "99%");
        if (!rps.Success || p50 is null || p99 is null)
        {
            return null;
        }

        long errors = 0;
        foreach (Match m in ErrorsPattern().Matches(output))
        {
            errors += long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        }

        var non2xx = Non2xxPattern().Match(output);
        if (non2xx.Success)
        {
            errors += long.Parse(non2xx.Groups[1].Value, CultureInfo.InvariantCulture);
        }

        var requests = RequestCountPattern().Match(output);
        return new IngressWrkResult(double.Parse(rps.Groups[1].Value, CultureInfo.InvariantCulture), p50.Value, p99.Value, errors,
            requests.Success ? long.Parse(requests.Groups[1].Value, CultureInfo.InvariantCulture) : 0);
    }

    /// <summary>CPU time of the proxy during the run, per request, in microseconds (set by the scenario).</summary>
    public double CpuMicrosPerRequest { get; init; }

    public IngressWrkResult WithCpu(TimeSpan cpu) => this with { CpuMicrosPerRequest = Requests > 0 ? cpu.TotalMicroseconds / Requests : 0 };

    private static double? Percentile(string output, string label)
    {
        var m = Regex.Match(output, @"^\s*" + Regex.Escape(label) + @"\s+([\d.]+)(us|ms|s)\s*$", RegexOptions.Multiline);
        if (!m.Success)
        {
            return null;
        }

        var value = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        return m.Groups[2].Value switch { "us" => value / 1000, "s" => value * 1000, _ => value };
    }

    [GeneratedRegex(@"(\d+) requests in")]
    private static partial Regex RequestCountPattern();

    [GeneratedRegex(@"Requests/sec:\s+([\d.]+)")]
    private static partial Regex RequestsPattern();

    [GeneratedRegex(@"(?:connect|read|write|timeout) (\d+)")]
    private static partial Regex ErrorsPattern();

    [GeneratedRegex(@"Non-2xx or 3xx responses: (\d+)")]
    private static partial Regex Non2xxPattern();
}
