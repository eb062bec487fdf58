using System.Globalization;
using Capstan.Bench.Api.Measurement;
using Capstan.Bench.Api.Scenarios;

namespace Capstan.Bench.Api.Reporting;

/// <summary>Turns both systems' figures into rows (ratio = Capstan ÷ etcd) and prints them as a Markdown table.</summary>
public static class ReportTable
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static IReadOnlyList<ReportRow> Rows(SystemFigures capstan, SystemFigures etcd, int clients, int watchWriters)
    {
        var rows = new List<ReportRow>();
        var best = capstan.BestThroughput;
        var etcdBest = etcd.BestThroughput;

        foreach (var (label, result) in capstan.Throughput.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var rounds = capstan.ThroughputRounds.Count(r => r.Label == label);
            rows.Add(Row($"creates/s, Capstan over {label}{(rounds > 1 ? $", best of {rounds} rounds" : "")}", result.PerSecond, etcdBest?.Value.PerSecond, "F0", "", null, higherIsBetter: true));
        }

        if (best is not null || etcdBest is not null)
        {
            var c = best?.Value;
            var e = etcdBest?.Value;
            var label = $"Capstan {best?.Key ?? "-"}, etcd {etcdBest?.Key ?? "-"}";
            rows.Add(Row($"creates/s, {clients} clients (best; {label})", c?.PerSecond, e?.PerSecond, "F0", "≥ 5000", 5000, higherIsBetter: true));
            rows.Add(Row("create latency p50 (ms)", c?.Latency.Median, e?.Latency.Median, "F2", "", null, higherIsBetter: false));
            rows.Add(Row("create latency p99 (ms)", c?.Latency.Percentile(99), e?.Latency.Percentile(99), "F2", "≤ 20", 20, higherIsBetter: false));
            rows.Add(Row("create latency max (ms)", c?.Latency.Max, e?.Latency.Max, "F1", "", null, higherIsBetter: false));
            rows.Add(Row("create errors", c?.Errors, e?.Errors, "F0", "0", 0, higherIsBetter: false));
            rows.Add(Row("server CPU per create (µs)", c?.ServerCpuPerOpUs, e?.ServerCpuPerOpUs, "F0", "", null, higherIsBetter: false));
            rows.Add(Row("client CPU per create (µs, this program)", c?.ClientCpuPerOpUs, e?.ClientCpuPerOpUs, "F0", "", null, higherIsBetter: false));
        }

        // Where a create's cost goes: the transport floor, a read, the request path without storage; etcd's Range beside the read.
        var etcdRead = etcd.Reads.Values.FirstOrDefault();
        foreach (var (label, result) in capstan.Reads.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var peer = label.StartsWith("GET one", StringComparison.Ordinal) ? etcdRead : null;
            rows.Add(Row($"req/s: Capstan {label}{(peer is null ? "" : ", etcd Range one key")}", result.PerSecond, peer?.PerSecond, "F0", "", null, higherIsBetter: true));
            rows.Add(Row($"  p99 (ms)", result.Latency.Percentile(99), peer?.Latency.Percentile(99), "F2", "", null, higherIsBetter: false));
            rows.Add(Row($"  server CPU per request (µs)", result.ServerCpuPerOpUs, peer?.ServerCpuPerOpUs, "F0", "", null, higherIsBetter: false));
        }

        if (capstan.Watch is not null || etcd.Watch is not null)
        {
            var c = capstan.Watch;
            var e = etcd.Watch;
            rows.Add(Row($"watch: writes/s by {watchWriters} writers", c?.Writes.PerSecond, e?.Writes.PerSecond, "F0", "", null, higherIsBetter: true));
            rows.Add(Row("watch latency p50 after ack (ms)", c?.FromAck.Median, e?.FromAck.Median, "F2", "", null, higherIsBetter: false));
            rows.Add(Row("watch latency p99 after ack (ms)", c?.FromAck.Percentile(99), e?.FromAck.Percentile(99), "F2", "≤ 5", 5, higherIsBetter: false));
            rows.Add(Row("watch latency p50 after send (ms)", c?.FromSend.Median, e?.FromSend.Median, "F2", "", null, higherIsBetter: false));
            rows.Add(Row("watch latency p99 after send (ms)", c?.FromSend.Percentile(99), e?.FromSend.Percentile(99), "F2", "", null, higherIsBetter: false));
            rows.Add(Row("watch: events seen before the ack (%)", Percent(c), Percent(e), "F1", "", null, higherIsBetter: true));
            rows.Add(Row("watch: events missed", c?.Missed, e?.Missed, "F0", "0", 0, higherIsBetter: false));
        }

        if (capstan.RssAfterFill is not null || etcd.RssAfterFill is not null)
        {
            rows.Add(Row("RSS idle after start (MiB)", Mib(capstan.RssIdle), Mib(etcd.RssIdle), "F1", "", null, higherIsBetter: false));
            rows.Add(Row($"RSS after {capstan.Fill?.Ops ?? etcd.Fill?.Ops ?? 0} objects (MiB)", Mib(capstan.RssAfterFill), Mib(etcd.RssAfterFill), "F1", "≤ 150", 150, higherIsBetter: false));
            rows.Add(Row($"fill rate, {clients} clients, cold server (objects/s)", capstan.Fill?.PerSecond, etcd.Fill?.PerSecond, "F0", "", null, higherIsBetter: true));
        }

        if (capstan.RssAfterAll is not null || etcd.RssAfterAll is not null)
        {
            rows.Add(Row("RSS after every scenario (MiB)", Mib(capstan.RssAfterAll), Mib(etcd.RssAfterAll), "F1", "", null, higherIsBetter: false));
            rows.Add(Row("objects stored by then", capstan.ObjectsStored + capstan.Throughput.Values.Sum(r => r.Ops), etcd.ObjectsStored + etcd.Throughput.Values.Sum(r => r.Ops), "F0", "", null, higherIsBetter: true));
        }

        if (capstan.StartFresh.Count > 0 || etcd.StartFresh.Count > 0)
        {
            rows.Add(Row($"start → ready, fresh data dir (ms, median of {Math.Max(capstan.StartFresh.Count, etcd.StartFresh.Count)})", MedianOrNull(capstan.StartFresh), MedianOrNull(etcd.StartFresh), "F0", "≤ 1000", 1000, higherIsBetter: false));
            rows.Add(Row($"start → ready, existing data dir (ms, median of {Math.Max(capstan.StartExisting.Count, etcd.StartExisting.Count)})", MedianOrNull(capstan.StartExisting), MedianOrNull(etcd.StartExisting), "F0", "≤ 1000", 1000, higherIsBetter: false));
        }

        if (capstan.StartWithObjects.Count > 0 || etcd.StartWithObjects.Count > 0)
        {
            rows.Add(Row($"start → ready, data dir with {Math.Max(capstan.StartWithObjectsCount, etcd.StartWithObjectsCount)} objects (ms, median of {Math.Max(capstan.StartWithObjects.Count, etcd.StartWithObjects.Count)})",
                MedianOrNull(capstan.StartWithObjects), MedianOrNull(etcd.StartWithObjects), "F0", "≤ 1000", 1000, higherIsBetter: false));
        }

        if (capstan.StartLoaded is not null || etcd.StartLoaded is not null)
        {
            rows.Add(Row("start → ready, data dir after all scenarios (ms, once)", capstan.StartLoaded?.TotalMilliseconds, etcd.StartLoaded?.TotalMilliseconds, "F0", "", null, higherIsBetter: false));
        }

        return rows;
    }

    public static void Print(TextWriter output, IReadOnlyList<ReportRow> rows)
    {
        string[] header = ["metric", "Capstan", "etcd", "ratio C/e", "target (Capstan)", "verdict"];
        var cells = rows.Select(r => new[] { r.Metric, r.Capstan, r.Etcd, r.Ratio, r.Target, r.Verdict }).Prepend(header).ToList();
        var widths = Enumerable.Range(0, header.Length).Select(i => cells.Max(c => c[i].Length)).ToArray();
        string Line(string[] c) => "| " + string.Join(" | ", c.Select((v, i) => i == 0 ? v.PadRight(widths[i]) : v.PadLeft(widths[i]))) + " |";
        output.WriteLine(Line(header));
        output.WriteLine("|" + string.Join("|", widths.Select((w, i) => i == 0 ? new string('-', w + 2) : new string('-', w + 1) + ":")) + "|");
        foreach (var c in cells.Skip(1))
        {
            output.WriteLine(Line(c));
        }
    }

    private static ReportRow Row(string metric, double? capstan, double? etcd, string format, string target, double? limit, bool higherIsBetter)
    {
        var ratio = capstan is { } c && etcd is { } e && e > 0 && c >= 0 && !double.IsNaN(c) && !double.IsNaN(e) ? (c / e).ToString("F2", Inv) + "×" : "-";
        var verdict = "";
        if (limit is { } l && capstan is { } v && !double.IsNaN(v))
        {
            verdict = (higherIsBetter ? v >= l : v <= l) ? "met" : "MISSED";
        }

        return new ReportRow(metric, Format(capstan, format), Format(etcd, format), ratio, target, verdict);
    }

    private static ReportRow Row(string metric, long? capstan, long? etcd, string format, string target, double? limit, bool higherIsBetter) =>
        Row(metric, (double?)capstan, (double?)etcd, format, target, limit, higherIsBetter);

    private static string Format(double? value, string format) =>
        value is null || double.IsNaN(value.Value) ? "-" : value.Value.ToString(format, Inv);

    private static double? Mib(long? bytes) => bytes / 1048576.0;

    private static double? MedianOrNull(LatencySamples s) => s.Count == 0 ? null : s.Median;

    private static double? Percent(WatchLatencyResult? w) =>
        w is null || w.FromAck.Count == 0 ? null : 100.0 * w.SeenBeforeAck / w.FromAck.Count;
}
