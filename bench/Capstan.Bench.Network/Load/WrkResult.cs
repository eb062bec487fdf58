namespace Capstan.Bench.Network.Load;

/// <summary>What one wrk run measured; latencies in milliseconds.</summary>
public sealed record WrkResult(double RequestsPerSecond, double P50Ms, double P99Ms, long Requests, long Errors, string Output);
