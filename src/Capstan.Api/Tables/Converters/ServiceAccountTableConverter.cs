using System.Text.Json.Nodes;

namespace Capstan.Api.Tables.Converters;

internal sealed class ServiceAccountTableConverter() : TableConverter("", "ServiceAccount",
[
    Column.Name,
    Column.Str("Secrets", "Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use."),
    Column.Age,
])
{
    public override IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now) =>
        [Name(obj), (long)JsonRead.Count(obj, "secrets"), Age(obj, now)];
}
