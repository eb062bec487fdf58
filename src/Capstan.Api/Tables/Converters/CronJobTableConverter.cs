using System.Text.Json.Nodes;

namespace Capstan.Api.Tables.Converters;

internal sealed class CronJobTableConverter() : TableConverter("batch", "CronJob",
[
    Column.Name,
    Column.Str("Schedule", "The schedule in Cron format."),
    Column.Str("Timezone", "The time zone name for the given schedule."),
    Column.Bool("Suspend", "This flag tells the controller to suspend subsequent executions."),
    Column.Int("Active", "A list of pointers to currently running jobs."),
    Column.Str("Last Schedule", "Information when was the last time the job was successfully scheduled."),
    Column.Age,
    Column.Containers,
    Column.Images,
    Column.Wide("Selector", "A label query over pods that should match the pod count."),
])
{
    public override IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now)
    {
        var lastSchedule = JsonRead.StrOrNull(obj, "status", "lastScheduleTime") is null
            ? CellFormat.None
            : Duration.Since(JsonRead.Time(obj, "status", "lastScheduleTime"), now);

        // Kubernetes prints the boolean pointer as text: True, False or <unset>.
        var suspend = JsonRead.BoolOrNull(obj, "spec", "suspend") switch
        {
            true => "True",
            false => "False",
            null => CellFormat.Unset,
        };
        var jobSpec = JsonRead.Obj(obj, "spec", "jobTemplate", "spec");
        var (names, images) = CellFormat.Containers(JsonRead.Obj(jobSpec, "template", "spec"));
        return
        [
            Name(obj),
            JsonRead.Str(obj, "spec", "schedule"),
            JsonRead.StrOrNull(obj, "spec", "timeZone") ?? CellFormat.None,
            suspend,
            (long)JsonRead.Count(obj, "status", "active"),
            lastSchedule,
            Age(obj, now),
            names,
            images,
            CellFormat.Selector(JsonRead.Node(jobSpec, "selector")),
        ];
    }
}
