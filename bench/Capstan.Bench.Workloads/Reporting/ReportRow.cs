namespace Capstan.Bench.Workloads.Reporting;

/// <param name="Verdict">"met", "MISSED" or empty where the figure has no target.</param>
public sealed record ReportRow(string Scenario, string Figure, string Value, string Target, string Verdict);
