using System.Text.Json.Nodes;

namespace Capstan.Api.Tables.Converters;

internal sealed class RuntimeClassTableConverter() : TableConverter("node.k8s.io", "RuntimeClass",
[
    Column.Name,
    Column.Str("Handler", "handler specifies the underlying runtime and configuration that the CRI implementation will use to handle pods of this class."),
    Column.Age,
])
{
    public override IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now) => [Name(obj), JsonRead.Str(obj, "handler"), Age(obj, now)];
}
