using System.Text.Json.Nodes;

namespace Capstan.Api.Tables.Converters;

internal sealed class CsiNodeTableConverter() : TableConverter("storage.k8s.io", "CSINode",
[
    Column.Name,
    Column.Int("Drivers", "Drivers indicates the number of CSI drivers registered on the node"),
    Column.Age,
])
{
    public override IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now) =>
        [Name(obj), JsonRead.Arr(obj, "spec", "drivers").Count, Age(obj, now)];
}
