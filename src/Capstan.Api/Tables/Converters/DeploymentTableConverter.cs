using System.Text.Json.Nodes;

namespace Capstan.Api.Tables.Converters;

internal sealed class DeploymentTableConverter() : TableConverter("apps", "Deployment",
[
    Column.Name,
    Column.Str("Ready", "Number of the pod with ready state"),
    Column.Str("Up-to-date", "Total number of non-terminated pods targeted by this deployment that have the desired template spec."),
    Column.Str("Available", "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment."),
    Column.Age,
    Column.Containers,
    Column.Images,
    Column.Wide("Selector", "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment."),
])
{
    public override IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now)
    {
        var (names, images) = CellFormat.Containers(JsonRead.Obj(obj, "spec", "template", "spec"));
        var selector = JsonRead.Node(obj, "spec", "selector");
        var selectorText = selector is null ? "" : CellFormat.Selector(selector) switch
        {
            "<error>" => "<invalid>",
            "<none>" => "",
            var s => s,
        };
        return
        [
            Name(obj),
            $"{JsonRead.Long(obj, "status", "readyReplicas")}/{JsonRead.LongOrNull(obj, "spec", "replicas") ?? 1}",
            JsonRead.Long(obj, "status", "updatedReplicas"),
            JsonRead.Long(obj, "status", "availableReplicas"),
            Age(obj, now),
            names,
            images,
            selectorText,
        ];
    }
}
