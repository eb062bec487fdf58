namespace Capstan.Controllers.Canary;

/// <summary>
/// Cumulative traffic figures of a canary's pods at one moment, as the service proxy and ingress export them: requests
/// (HTTP requests through the ingress, plus TCP connections through the proxy), errors (5xx and proxy failures, plus
/// failed connects) and a latency histogram (upper bounds in seconds, cumulative counts as Prometheus writes them).
/// </summary>
public sealed record TrafficSample(long Requests, long Errors, IReadOnlyDictionary<double, long> LatencyBuckets)
{
    public static TrafficSample Empty { get; } = new(0, 0, new Dictionary<double, long>());

    /// <summary>What happened between <paramref name="earlier"/> and this sample (counters only grow; a reset reads as zero).</summary>
    public TrafficSample Since(TrafficSample earlier)
    {
        var buckets = new Dictionary<double, long>();
        foreach (var (bound, count) in LatencyBuckets)
        {
            buckets[bound] = Math.Max(0, count - earlier.LatencyBuckets.GetValueOrDefault(bound));
        }

        return new TrafficSample(Math.Max(0, Requests - earlier.Requests), Math.Max(0, Errors - earlier.Errors), buckets);
    }

    /// <summary>Successful share of requests in percent; null with no requests.</summary>
    public double? SuccessRate => Requests == 0 ? null : 100.0 * (Requests - Math.Min(Errors, Requests)) / Requests;

    /// <summary>
    /// The 99th percentile as the upper bound of the first bucket holding it (Prometheus' histogram_quantile without the
    /// interpolation): with 1,000 requests, the bound where the cumulative count first reaches 990. Null with no data.
    /// </summary>
    public double? P99Seconds
    {
        get
        {
            var ordered = LatencyBuckets.Where(b => !double.IsPositiveInfinity(b.Key)).OrderBy(b => b.Key).ToList();
            var total = LatencyBuckets.TryGetValue(double.PositiveInfinity, out var all) ? all : ordered.LastOrDefault().Value;
            if (total == 0)
            {
                return null;
            }

            var rank = 0.99 * total;
            foreach (var (bound, cumulative) in ordered)
            {
                if (cumulative >= rank)
                {
                    return bound;
                }
            }

            return double.PositiveInfinity;
        }
    }
}
