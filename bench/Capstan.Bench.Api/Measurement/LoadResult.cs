namespace Capstan.Bench.Api.Measurement;

/// <summary>What a closed-loop run achieved: completed operations, failures and each success's latency.</summary>
public sealed record LoadResult(long Ops, long Errors, TimeSpan Elapsed, LatencySamples Latency, string? FirstError)
{
    /// <summary>CPU the server process used during the run.</summary>
    public TimeSpan? ServerCpu { get; init; }

    /// <summary>CPU this benchmark process used during the run (TLS, JSON, HTTP client).</summary>
    public TimeSpan? ClientCpu { get; init; }

    /// <summary>Server CPU per completed operation, in microseconds.</summary>
    public double? ServerCpuPerOpUs => ServerCpu is { } c && Ops > 0 ? c.TotalMicroseconds / Ops : null;

    public double? ClientCpuPerOpUs => ClientCpu is { } c && Ops > 0 ? c.TotalMicroseconds / Ops : null;

    public double PerSecond => Elapsed.TotalSeconds > 0 ? Ops / Elapsed.TotalSeconds : 0;
}
