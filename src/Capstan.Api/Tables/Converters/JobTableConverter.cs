using System.Text.Json.Nodes;

namespace Capstan.Api.Tables.Converters;

/// <summary>Jobs with the 1.32 STATUS column: Complete, Failed, Terminating, Suspended, FailureTarget or Running.</summary>
internal sealed class JobTableConverter() : TableConverter("batch", "Job",
[
    Column.Name,
    Column.Str("Status", "Status of the job."),
    Column.Str("Completions", "The number of pods which reached phase Succeeded."),
    Column.Str("Duration", "Time required to complete the job."),
    Column.Age,
    Column.Containers,
    Column.Images,
    Column.Wide("Selector", "A label query over pods that should match the pod count."),
])
{
    public override IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now)
    {
        var succeeded = JsonRead.Long(obj, "status", "succeeded");
        string completions;
        if (JsonRead.LongOrNull(obj, "spec", "completions") is { } wanted)
        {
            completions = $"{succeeded}/{wanted}";
        }
        else
        {
            var parallelism = JsonRead.LongOrNull(obj, "spec", "parallelism") ?? 0;
            completions = parallelism > 1 ? $"{succeeded}/1 of {parallelism}" : $"{succeeded}/1";
        }

        var start = JsonRead.Time(obj, "status", "startTime");
        var completion = JsonRead.Time(obj, "status", "completionTime");
        var duration = start is null ? "" : Duration.HumanShort((completion ?? now) - start.Value);

        var conditions = JsonRead.Objects(obj, "status", "conditions").ToList();
        var status = HasCondition(conditions, "Complete") ? "Complete"
            : HasCondition(conditions, "Failed") ? "Failed"
            : IsDeleting(obj) ? "Terminating"
            : HasCondition(conditions, "Suspended") ? "Suspended"
            : HasCondition(conditions, "FailureTarget") ? "FailureTarget"
            : "Running";

        var (names, images) = CellFormat.Containers(JsonRead.Obj(obj, "spec", "template", "spec"));
        return
        [
            Name(obj),
            status,
            completions,
            duration,
            Age(obj, now),
            names,
            images,
            CellFormat.Selector(JsonRead.Node(obj, "spec", "selector")),
        ];
    }

    // Only the first condition of a type counts, as in Kubernetes.
    private static bool HasCondition(List<JsonObject> conditions, string type) =>
        conditions.FirstOrDefault(c => JsonRead.Str(c, "type") == type) is { } c && JsonRead.Str(c, "status") == "True";
}
