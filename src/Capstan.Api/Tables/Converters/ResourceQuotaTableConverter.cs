using System.Text.Json.Nodes;

namespace Capstan.Api.Tables.Converters;

internal sealed class ResourceQuotaTableConverter() : TableConverter("", "ResourceQuota",
[
    Column.Name,
    Column.Str("Request", "Request represents a minimum amount of cpu/memory that a container may consume."),
    Column.Str("Limit", "Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node."),
    Column.Age,
])
{
    // "resource: used/hard" per resource in status.hard, sorted; "limits.*" resources go to the Limit column.
    public override IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now)
    {
        var hard = JsonRead.Obj(obj, "status", "hard") ?? [];
        var requests = new List<string>();
        var limits = new List<string>();
        foreach (var resource in hard.Select(kv => kv.Key).Order(StringComparer.Ordinal))
        {
            var text = $"{resource}: {CellFormat.Quantity(JsonRead.Node(obj, "status", "used", resource))}/{CellFormat.Quantity(hard[resource])}";
            var pieces = resource.Split('.');
            (pieces.Length > 1 && pieces[0] == "limits" ? limits : requests).Add(text);
        }

        return [Name(obj), string.Join(", ", requests), string.Join(", ", limits), Age(obj, now)];
    }
}
