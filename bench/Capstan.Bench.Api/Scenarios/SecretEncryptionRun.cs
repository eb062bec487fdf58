using System.Globalization;
using Capstan.Bench.Api.Measurement;
using Capstan.Bench.Api.Processes;
using Capstan.Bench.Api.Targets;

namespace Capstan.Bench.Api.Scenarios;

/// <summary>
/// The cost of encryption at rest: Secret creates per second against two `capstan server`s in one run, one with its
/// default (Secrets encrypted with AES-GCM) and one with <c>--encrypt-resources ""</c>, same clients and duration,
/// rounds alternating which goes first; the best round per server counts. Both run without the node agent, so
/// the API path is all that works.
/// </summary>
public sealed class SecretEncryptionRun(BenchOptions options, TextWriter log)
{
    private const string Namespace = "bench-secrets";
    private const long OpsCap = 10_000_000;
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(3);

    public async Task<int> RunAsync(CancellationToken ct)
    {
        var payload = new ObjectPayload(options.ValueBytes);
        log.WriteLine("secrets (encryption at rest on vs off):");
        await using var encrypted = await CapstanServerProcess.StartAsync(
            options.CapstanPath, Path.Combine(options.WorkDir, "secrets-encrypted"), options.CapstanLogLevel, options.CapstanEnvironment, ["--disable-agent"], ct).ConfigureAwait(false);
        await using var plain = await CapstanServerProcess.StartAsync(
            options.CapstanPath, Path.Combine(options.WorkDir, "secrets-plain"), options.CapstanLogLevel, options.CapstanEnvironment, ["--disable-agent", "--encrypt-resources", ""], ct).ConfigureAwait(false);
        await using var onTarget = CapstanTarget.Create(encrypted.BaseAddress, encrypted.KubeconfigPath, http2: false, options.Clients + 1, payload);
        await using var offTarget = CapstanTarget.Create(plain.BaseAddress, plain.KubeconfigPath, http2: false, options.Clients + 1, payload);
        var systems = new[] { ("encrypted", onTarget, encrypted.Process.Pid), ("plaintext", offTarget, plain.Process.Pid) };
        foreach (var (_, target, _) in systems)
        {
            await target.EnsureNamespaceAsync(Namespace, ct).ConfigureAwait(false);
        }

        var best = new Dictionary<string, LoadResult>(StringComparer.Ordinal);
        long sequence = 0;
        for (var round = 0; round <= options.Rounds; round++)
        {
            // Round 0 warms both servers up (JIT, connections) and is not counted.
            var order = round % 2 == 0 ? systems : [.. systems.Reverse()];
            foreach (var (label, target, pid) in order)
            {
                var duration = round == 0 ? WarmUp : options.Duration;
                var cpuBefore = ProcessCpu.Used(pid);
                var result = await ClosedLoopLoad.RunAsync(options.Clients, duration, OpsCap,
                    (_, token) => target.CreateSecretAsync(Namespace, $"s-{Interlocked.Increment(ref sequence)}", token), ct).ConfigureAwait(false);
                var cpuAfter = ProcessCpu.Used(pid);
                result = result with { ServerCpu = cpuAfter - cpuBefore };
                if (round == 0)
                {
                    continue;
                }

                log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  round {round} {label,-9}: {result.PerSecond,8:F0} creates/s, p50 {result.Latency.Median:F2} ms, p99 {result.Latency.Percentile(99):F2} ms, server CPU {result.ServerCpuPerOpUs:F0} µs/op, {result.Errors} errors{(result.FirstError is null ? "" : $" (first: {result.FirstError})")}; load {ProcessCpu.LoadAverage()}"));
                if (!best.TryGetValue(label, out var previous) || result.PerSecond > previous.PerSecond)
                {
                    best[label] = result;
                }
            }
        }

        var on = best["encrypted"];
        var off = best["plaintext"];
        var slower = off.PerSecond > 0 ? (1 - on.PerSecond / off.PerSecond) * 100 : double.NaN;
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  best: encrypted {on.PerSecond:F0}/s ({on.ServerCpuPerOpUs:F0} µs CPU/op), plaintext {off.PerSecond:F0}/s ({off.ServerCpuPerOpUs:F0} µs CPU/op): encryption costs {slower:F1} % of throughput (target ≤ 10 %)"));
        return on.Errors + off.Errors == 0 ? 0 : 1;
    }
}
