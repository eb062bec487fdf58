using System.Globalization;
using System.Text.Json.Nodes;
using Capstan.Api.Kinds.Batch;
using Capstan.Api.Validation;

namespace Capstan.Api.Kinds.Rollouts;

/// <summary>
/// Canaries (rollouts.capstan.io/v1alpha1): defaults steps 10/25/50/100, interval 30s, success rate 99 %, no restarts,
/// two failed checks; validates the target, the service, strictly increasing steps within 1..100 and the durations.
/// </summary>
public sealed class CanaryStrategy : KindStrategy
{
    public const string GroupName = "rollouts.capstan.io";
    public const string DefaultInterval = "30s";
    public static readonly int[] DefaultSteps = [10, 25, 50, 100];

    public override string Group => GroupName;

    public override string Kind => "Canary";

    public override void Default(JsonObject obj)
    {
        var spec = obj.EnsureObj("spec");
        if (spec.Obj("targetRef") is { } target)
        {
            target.SetDefaultString("apiVersion", "apps/v1");
            target.SetDefaultString("kind", "Deployment");
        }

        if (spec.Arr("steps") is not { Count: > 0 })
        {
            spec["steps"] = new JsonArray([.. DefaultSteps.Select(s => (JsonNode)JsonValue.Create(s))]);
        }

        spec.SetDefaultString("interval", DefaultInterval);
        var analysis = spec.EnsureObj("analysis");
        analysis.SetDefault("successRate", JsonValue.Create(99));
        analysis.SetDefault("maxRestarts", JsonValue.Create(0));
        analysis.SetDefault("failureLimit", JsonValue.Create(2));
    }

    protected override void ValidateObject(JsonObject obj, List<FieldError> errs)
    {
        var spec = obj.Obj("spec") ?? [];
        var target = spec.Obj("targetRef");
        if (target is null || target.StrOrEmpty("name").Length == 0)
        {
            errs.Add(FieldError.Required("spec.targetRef.name"));
        }
        else
        {
            errs.AddRange(FieldRules.OneOf(target, "kind", "spec.targetRef.kind", false, "Deployment"));
            errs.AddRange(FieldRules.OneOf(target, "apiVersion", "spec.targetRef.apiVersion", false, "apps/v1"));
        }

        if (spec.StrOrEmpty("service").Length == 0)
        {
            errs.Add(FieldError.Required("spec.service"));
        }

        var previous = 0L;
        foreach (var (index, node) in (spec.Arr("steps") ?? []).Select((n, i) => (i, n)))
        {
            var path = $"spec.steps[{index}]";
            if (JsonAccess.AsLong(node) is not { } weight)
            {
                errs.Add(FieldError.Invalid(path, FieldRules.ValueForMessage(node), "must be an integer"));
                continue;
            }

            if (weight is < 1 or > 100)
            {
                errs.Add(FieldError.Invalid(path, weight, FieldRules.InclusiveRangeError(1, 100)));
            }
            else if (weight <= previous)
            {
                errs.Add(FieldError.Invalid(path, weight, "must be greater than the previous step"));
            }

            previous = weight;
        }

        if (spec.Str("interval") is { } interval && (!CronSchedule.TryParseGoDuration(interval, out var duration) || duration <= TimeSpan.Zero))
        {
            errs.Add(FieldError.Invalid("spec.interval", interval, "must be a positive duration such as 30s or 2m"));
        }

        var analysis = spec.Obj("analysis");
        if (analysis?["successRate"] is { } rate && (!JsonAccess.IsNumber(rate) || double.Parse(rate.ToJsonString(), CultureInfo.InvariantCulture) is < 0 or > 100))
        {
            errs.Add(FieldError.Invalid("spec.analysis.successRate", FieldRules.ValueForMessage(rate), FieldRules.InclusiveRangeError(0, 100)));
        }

        errs.AddRange(FieldRules.Positive(analysis, "maxLatencyMs", "spec.analysis.maxLatencyMs"));
        errs.AddRange(FieldRules.NonNegative(analysis, "maxRestarts", "spec.analysis.maxRestarts"));
        errs.AddRange(FieldRules.Positive(analysis, "failureLimit", "spec.analysis.failureLimit"));
    }

    protected override void ValidateUpdate(JsonObject obj, JsonObject old, List<FieldError> errs) =>
        errs.AddRange(FieldRules.Immutable(obj.Obj("spec")?.Obj("targetRef"), old.Obj("spec")?.Obj("targetRef"), "name", "spec.targetRef.name"));
}
