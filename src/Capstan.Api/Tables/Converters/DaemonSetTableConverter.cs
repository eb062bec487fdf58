using System.Text.Json.Nodes;

namespace Capstan.Api.Tables.Converters;

internal sealed class DaemonSetTableConverter() : TableConverter("apps", "DaemonSet",
[
    Column.Name,
    Column.Int("Desired", "The total number of nodes that should be running the daemon pod."),
    Column.Int("Current", "The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod."),
    Column.Int("Ready", "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready."),
    Column.Int("Up-to-date", "The total number of nodes that are running updated daemon pod"),
    Column.Int("Available", "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available."),
    Column.Str("Node Selector", "NodeSelector is a selector which must be true for the pod to fit on a node."),
    Column.Age,
    Column.Containers,
    Column.Images,
    Column.Wide("Selector", "A label query over pods that are managed by the daemon set."),
])
{
    public override IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now)
    {
        var podSpec = JsonRead.Obj(obj, "spec", "template", "spec");
        var (names, images) = CellFormat.Containers(podSpec);
        return
        [
            Name(obj),
            JsonRead.Long(obj, "status", "desiredNumberScheduled"),
            JsonRead.Long(obj, "status", "currentNumberScheduled"),
            JsonRead.Long(obj, "status", "numberReady"),
            JsonRead.Long(obj, "status", "updatedNumberScheduled"),
            JsonRead.Long(obj, "status", "numberAvailable"),
            CellFormat.Labels(JsonRead.Obj(podSpec, "nodeSelector")),
            Age(obj, now),
            names,
            images,
            CellFormat.Selector(JsonRead.Node(obj, "spec", "selector")),
        ];
    }
}
