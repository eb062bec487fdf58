using System.Text.Json.Nodes;

namespace Capstan.Api.Tables.Converters;

/// <summary>kubectl get canaries: the target, phase, current weight and step, like Flagger's printer columns.</summary>
internal sealed class CanaryTableConverter() : TableConverter("rollouts.capstan.io", "Canary",
[
    Column.Name,
    Column.Str("Target", "The Deployment the canary releases."),
    Column.Str("Phase", "Initializing, Waiting, Progressing, Promoting, Succeeded, Failed or Aborted."),
    Column.Int("Weight", "Share of the Service's traffic sent to the canary pods, in percent."),
    Column.Str("Step", "The current step and the number of steps."),
    Column.Age,
    Column.Wide("Message", "What the release is doing or why it stopped."),
])
{
    public override IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now)
    {
        var steps = JsonRead.Count(obj, "spec", "steps");
        var step = JsonRead.LongOrNull(obj, "status", "currentStep");
        return
        [
            Name(obj),
            JsonRead.Str(obj, "spec", "targetRef", "name"),
            JsonRead.Str(obj, "status", "phase"),
            JsonRead.Long(obj, "status", "canaryWeight"),
            step is null ? "<none>" : $"{step + 1}/{steps}",
            Age(obj, now),
            JsonRead.Str(obj, "status", "message"),
        ];
    }
}
