using System.Globalization;

namespace Capstan.Bench.Workloads.Reporting;

/// <summary>What the scenarios found: table rows, breakdown notes printed under the table, and failures.</summary>
public sealed class ScenarioReport
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    private readonly List<ReportRow> _rows = [];
    private readonly List<string> _notes = [];
    private readonly List<string> _failures = [];

    public IReadOnlyList<ReportRow> Rows => _rows;

    public IReadOnlyList<string> Notes => _notes;

    public IReadOnlyList<string> Failures => _failures;

    /// <summary>A figure in milliseconds; with a limit it gets a verdict (lower is better).</summary>
    public void Add(string scenario, string figure, double? ms, double? limit = null, string? target = null)
    {
        var value = ms is null || double.IsNaN(ms.Value) ? "-" : ms.Value.ToString("F0", Inv);
        var verdict = "";
        if (limit is { } l)
        {
            verdict = ms is { } v && !double.IsNaN(v) && v <= l ? "met" : "MISSED";
        }

        _rows.Add(new ReportRow(scenario, figure, value, target ?? (limit is { } t ? "≤ " + t.ToString("F0", Inv) : ""), verdict));
    }

    public void AddText(string scenario, string figure, string value, string target = "") =>
        _rows.Add(new ReportRow(scenario, figure, value, target, ""));

    public void Note(string line) => _notes.Add(line);

    public void Fail(string scenario, string reason) => _failures.Add($"{scenario}: {reason}");
}
