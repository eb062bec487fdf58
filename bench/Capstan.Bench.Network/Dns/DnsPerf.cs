using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Capstan.Bench.Network.Dns;

/// <summary>One dnsperf run's figures.</summary>
public sealed record DnsPerfResult(double Qps, double AverageLatencyMs, double StdDevLatencyMs, double MaxLatencyMs, long Completed, long Lost, string ResponseCodes);

/// <summary>Runs Debian's dnsperf against one server and parses its summary.</summary>
public static partial class DnsPerf
{
    public const string Path = "/usr/bin/dnsperf";

    public static async Task<DnsPerfResult> RunAsync(int port, string queryFile, int seconds, int clients, int threads, int outstanding, CancellationToken ct)
    {
        var start = new ProcessStartInfo(Path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            "-s", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-d", queryFile,
            "-l", seconds.ToString(CultureInfo.InvariantCulture), "-c", clients.ToString(CultureInfo.InvariantCulture),
            "-T", threads.ToString(CultureInfo.InvariantCulture), "-q", outstanding.ToString(CultureInfo.InvariantCulture),
        })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct).ConfigureAwait(false);
        var text = await stdout.ConfigureAwait(false) + await stderr.ConfigureAwait(false);
        double Number(Regex regex)
        {
            var match = regex.Match(text);
            return match.Success ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : throw new InvalidOperationException("unexpected dnsperf output:\n" + text);
        }

        var latency = AverageLatency().Match(text);
        return new DnsPerfResult(
            Number(Qps()),
            Number(AverageLatency()) * 1000,
            Number(StdDev()) * 1000,
            latency.Success ? double.Parse(latency.Groups[2].Value, CultureInfo.InvariantCulture) * 1000 : 0,
            (long)Number(Completed()),
            (long)Number(Lost()),
            ResponseCodesLine().Match(text).Groups[1].Value.Trim());
    }

    [GeneratedRegex(@"Queries per second:\s+([0-9.]+)")]
    private static partial Regex Qps();

    [GeneratedRegex(@"Average Latency \(s\):\s+([0-9.]+) \(min [0-9.]+, max ([0-9.]+)\)")]
    private static partial Regex AverageLatency();

    [GeneratedRegex(@"Latency StdDev \(s\):\s+([0-9.]+)")]
    private static partial Regex StdDev();

    [GeneratedRegex(@"Queries completed:\s+([0-9]+)")]
    private static partial Regex Completed();

    [GeneratedRegex(@"Queries lost:\s+([0-9]+)")]
    private static partial Regex Lost();

    [GeneratedRegex(@"Response codes:\s+(.*)")]
    private static partial Regex ResponseCodesLine();
}
