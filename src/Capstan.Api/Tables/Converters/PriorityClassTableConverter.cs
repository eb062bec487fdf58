using System.Text.Json.Nodes;

namespace Capstan.Api.Tables.Converters;

internal sealed class PriorityClassTableConverter() : TableConverter("scheduling.k8s.io", "PriorityClass",
[
    Column.Name,
    Column.Int("Value", "value represents the integer value of this priority class."),
    Column.Bool("Global-Default", "globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class."),
    Column.Age,
    Column.Wide("PreemptionPolicy", "preemptionPolicy is the Policy for preempting pods with lower priority."),
])
{
    public override IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now) =>
    [
        Name(obj),
        JsonRead.Long(obj, "value"),
        JsonRead.Bool(obj, "globalDefault"),
        Age(obj, now),
        JsonRead.Str(obj, "preemptionPolicy"),
    ];
}
