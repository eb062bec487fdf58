using System.Text.Json.Nodes;

namespace Capstan.Api.Tables.Converters;

internal sealed class ReplicaSetTableConverter() : TableConverter("apps", "ReplicaSet",
[
    Column.Name,
    Column.Int("Desired", "Replicas is the number of desired pods."),
    Column.Int("Current", "Replicas is the most recently observed number of replicas."),
    Column.Int("Ready", "The number of ready replicas for this replica set."),
    Column.Age,
    Column.Containers,
    Column.Images,
    Column.Wide("Selector", "Selector is a label query over pods that should match the replica count."),
])
{
    public override IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now)
    {
        var (names, images) = CellFormat.Containers(JsonRead.Obj(obj, "spec", "template", "spec"));
        return
        [
            Name(obj),
            JsonRead.LongOrNull(obj, "spec", "replicas") ?? 1,
            JsonRead.Long(obj, "status", "replicas"),
            JsonRead.Long(obj, "status", "readyReplicas"),
            Age(obj, now),
            names,
            images,
            CellFormat.Selector(JsonRead.Node(obj, "spec", "selector")),
        ];
    }
}
