namespace Capstan.Bench.Api.Reporting;

/// <param name="Verdict">"met", "MISSED" or empty where the metric has no target.</param>
public sealed record ReportRow(string Metric, string Capstan, string Etcd, string Ratio, string Target, string Verdict);
