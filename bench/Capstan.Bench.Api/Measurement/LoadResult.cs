namespace Capstan.Bench.Api.Measurement;

/// <summary>What a closed-loop run achieved: completed operations, failures and each success's latency.</summary>
public sealed record LoadResult(long Ops, long Errors, TimeSpan Elapsed, LatencySamples Latency, string? FirstError)
{
    public double PerSecond => Elapsed.TotalSeconds > 0 ? Ops / Elapsed.TotalSeconds : 0;
}
