using System.Text.Json.Nodes;

namespace Capstan.Api.Tables.Converters;

internal sealed class ConfigMapTableConverter() : TableConverter("", "ConfigMap",
[
    Column.Name,
    Column.Str("Data", "Data contains the configuration data."),
    Column.Age,
])
{
    public override IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now) =>
        [Name(obj), (long)(JsonRead.Count(obj, "data") + JsonRead.Count(obj, "binaryData")), Age(obj, now)];
}
