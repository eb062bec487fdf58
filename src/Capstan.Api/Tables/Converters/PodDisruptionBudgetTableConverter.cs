using System.Text.Json.Nodes;

namespace Capstan.Api.Tables.Converters;

internal sealed class PodDisruptionBudgetTableConverter() : TableConverter("policy", "PodDisruptionBudget",
[
    Column.Name,
    Column.Str("Min Available", "The minimum number of pods that must be available."),
    Column.Str("Max Unavailable", "The maximum number of pods that may be unavailable."),
    Column.Int("Allowed Disruptions", "Calculated number of pods that may be disrupted at this time."),
    Column.Age,
])
{
    public override IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now)
    {
        var min = JsonRead.Node(obj, "spec", "minAvailable");
        var max = JsonRead.Node(obj, "spec", "maxUnavailable");
        return
        [
            Name(obj),
            min is null ? "N/A" : CellFormat.IntOrString(min),
            max is null ? "N/A" : CellFormat.IntOrString(max),
            JsonRead.Long(obj, "status", "disruptionsAllowed"),
            Age(obj, now),
        ];
    }
}
