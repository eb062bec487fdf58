using System.Globalization;

namespace Capstan.Controllers.Canary;

/// <summary>The checks of one step, pure: what failed, or nothing when the canary passed.</summary>
internal static class CanaryAnalysis
{
    /// <param name="traffic">The canary's traffic during the step.</param>
    /// <param name="restarts">Container restarts of the canary pods so far.</param>
    /// <param name="readyPods">Canary pods Ready now.</param>
    /// <param name="wantedPods">Canary pods the step asks for.</param>
    public static IReadOnlyList<string> Failures(CanarySettings settings, TrafficSample traffic, int restarts, int readyPods, int wantedPods)
    {
        var failures = new List<string>();
        if (restarts > settings.MaxRestarts)
        {
            failures.Add(F($"canary pods restarted {restarts} times (at most {settings.MaxRestarts})"));
        }

        if (readyPods < wantedPods)
        {
            failures.Add(F($"{readyPods} of {wantedPods} canary pods are ready"));
        }

        if (traffic.SuccessRate is { } rate && rate < settings.SuccessRate)
        {
            failures.Add(F($"success rate {rate:0.##}% is below {settings.SuccessRate:0.##}% ({traffic.Errors} errors in {traffic.Requests} requests)"));
        }

        if (settings.MaxLatencyMs is { } max && traffic.P99Seconds is { } p99 && p99 * 1000 > max)
        {
            failures.Add(double.IsPositiveInfinity(p99)
                ? F($"99th percentile latency is above every bucket (at most {max} ms)")
                : F($"99th percentile latency {p99 * 1000:0.##} ms is above {max} ms"));
        }

        return failures;
    }

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
