using System.Text.Json.Nodes;

namespace Capstan.Api.Tables.Converters;

internal sealed class SecretTableConverter() : TableConverter("", "Secret",
[
    Column.Name,
    Column.Str("Type", "Used to facilitate programmatic handling of secret data."),
    Column.Str("Data", "Data contains the secret data."),
    Column.Age,
])
{
    public override IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now) =>
        [Name(obj), JsonRead.Str(obj, "type"), (long)JsonRead.Count(obj, "data"), Age(obj, now)];
}
