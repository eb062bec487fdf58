namespace Capstan.Bench.Workloads.Reporting;

/// <summary>Prints the rows as a Markdown table.</summary>
public static class ReportTable
{
    public static void Print(TextWriter output, IReadOnlyList<ReportRow> rows)
    {
        string[] header = ["scenario", "figure", "ms", "target (ms)", "verdict"];
        var cells = rows.Select(r => new[] { r.Scenario, r.Figure, r.Value, r.Target, r.Verdict }).Prepend(header).ToList();
        var widths = Enumerable.Range(0, header.Length).Select(i => cells.Max(c => c[i].Length)).ToArray();
        string Line(string[] c) => "| " + string.Join(" | ", c.Select((v, i) => i < 2 ? v.PadRight(widths[i]) : v.PadLeft(widths[i]))) + " |";
        output.WriteLine(Line(header));
        output.WriteLine("|" + string.Join("|", widths.Select((w, i) => i < 2 ? new string('-', w + 2) : new string('-', w + 1) + ":")) + "|");
        foreach (var c in cells.Skip(1))
        {
            output.WriteLine(Line(c));
        }
    }
}
