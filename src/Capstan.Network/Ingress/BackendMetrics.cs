using System.Diagnostics;

namespace Capstan.Network.Ingress;

/// <summary>Request counts and a latency histogram of one backend, updated with interlocked adds (no locks per request).</summary>
public sealed class BackendMetrics(string backend)
{
    /// <summary>Upper bounds of the latency buckets, in seconds (Prometheus' default buckets plus 1 ms).</summary>
    internal static readonly double[] BucketBounds = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private static readonly long[] s_bucketTicks = [.. BucketBounds.Select(s => (long)(s * Stopwatch.Frequency))];

    private readonly long[] _buckets = new long[BucketBounds.Length];
    private readonly long[] _byClass = new long[5];
    private long _requests;
    private long _errors;
    private long _elapsedTicks;

    public string Backend { get; } = backend;

    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Requests answered 5xx or failed by the proxy (connection refused, timeout).</summary>
    public long Errors => Interlocked.Read(ref _errors);

    public void Record(int statusCode, bool proxyError, long elapsedTicks)
    {
        Interlocked.Increment(ref _requests);
        if (proxyError || statusCode >= 500)
        {
            Interlocked.Increment(ref _errors);
        }

        var statusClass = statusCode / 100;
        if (statusClass is >= 1 and <= 5)
        {
            Interlocked.Increment(ref _byClass[statusClass - 1]);
        }

        Interlocked.Add(ref _elapsedTicks, elapsedTicks);
        for (var i = 0; i < s_bucketTicks.Length; i++)
        {
            if (elapsedTicks <= s_bucketTicks[i])
            {
                Interlocked.Increment(ref _buckets[i]);
                break;
            }
        }
    }

    internal long ResponsesOfClass(int statusClass) => Interlocked.Read(ref _byClass[statusClass - 1]);

    internal long Bucket(int index) => Interlocked.Read(ref _buckets[index]);

    internal double ElapsedSeconds => (double)Interlocked.Read(ref _elapsedTicks) / Stopwatch.Frequency;
}
