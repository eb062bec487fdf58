using System.Text.Json.Nodes;

namespace Capstan.Api.Tables.Converters;

internal sealed class NamespaceTableConverter() : TableConverter("", "Namespace",
[
    Column.Name,
    Column.Str("Status", "The status of the namespace"),
    Column.Age,
])
{
    public override IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now) =>
        [Name(obj), JsonRead.Str(obj, "status", "phase"), Age(obj, now)];
}
