using System.Text.Json.Nodes;

namespace Capstan.Api.Tables.Converters;

internal sealed class StatefulSetTableConverter() : TableConverter("apps", "StatefulSet",
[
    Column.Name,
    Column.Str("Ready", "Number of the pod with ready state"),
    Column.Age,
    Column.Containers,
    Column.Images,
])
{
    public override IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now)
    {
        var (names, images) = CellFormat.Containers(JsonRead.Obj(obj, "spec", "template", "spec"));
        return
        [
            Name(obj),
            $"{JsonRead.Long(obj, "status", "readyReplicas")}/{JsonRead.LongOrNull(obj, "spec", "replicas") ?? 1}",
            Age(obj, now),
            names,
            images,
        ];
    }
}
