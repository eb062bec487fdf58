using System.Text.Json.Nodes;
using Capstan.Api.Kinds.Core;
using Capstan.Api.Validation;

namespace Capstan.Api.Kinds.Apps;

public sealed class DaemonSetStrategy : KindStrategy
{
    public override string Group => "apps";

    public override string Kind => "DaemonSet";

    public override void Default(JsonObject obj)
    {
        var spec = obj.EnsureObj("spec");
        var update = spec.EnsureObj("updateStrategy");
        update.SetDefaultString("type", "RollingUpdate");
        if (update.Str("type") == "RollingUpdate")
        {
            var rolling = update.EnsureObj("rollingUpdate");
            rolling.SetDefault("maxUnavailable", 1);
            rolling.SetDefault("maxSurge", 0);
        }

        spec.SetDefault("revisionHistoryLimit", 10);
        PodSpecDefaults.ApplyTemplate(spec);
    }

    protected override void ValidateObject(JsonObject obj, List<FieldError> errs)
    {
        var spec = obj.Obj("spec") ?? new JsonObject();
        WorkloadValidation.ValidateSelectorAndTemplate(spec, "daemonset", "DaemonSet", errs, requireSelector: false);
        errs.AddRange(FieldRules.NonNegative(spec, "minReadySeconds", "spec.minReadySeconds"));
        errs.AddRange(FieldRules.NonNegative(spec, "revisionHistoryLimit", "spec.revisionHistoryLimit"));
        errs.AddRange(FieldRules.NonNegative(spec, "templateGeneration", "spec.templateGeneration"));

        var update = spec.Obj("updateStrategy") ?? new JsonObject();
        switch (update.StrOrEmpty("type"))
        {
            case "OnDelete":
                break;
            case "RollingUpdate":
                if (update.Obj("rollingUpdate") is not { } rolling)
                {
                    errs.Add(FieldError.Required("spec.updateStrategy.rollingUpdate"));
                    break;
                }

                ValidateRollingUpdate(rolling, "spec.updateStrategy.rollingUpdate", errs);
                break;
            default:
                errs.Add(FieldError.NotSupported("spec.updateStrategy", update.DeepClone(), ["RollingUpdate", "OnDelete"]));
                break;
        }
    }

    /// <summary>Exactly one of maxUnavailable and maxSurge is non-zero, each a count or a percentage up to 100%.</summary>
    private static void ValidateRollingUpdate(JsonObject rolling, string path, List<FieldError> errs)
    {
        var maxUnavailable = rolling["maxUnavailable"];
        var maxSurge = rolling["maxSurge"];
        errs.AddRange(IntOrPercent.ValidateNonNegative(maxUnavailable, path + ".maxUnavailable"));
        errs.AddRange(IntOrPercent.ValidateNonNegative(maxSurge, path + ".maxSurge"));
        errs.AddRange(IntOrPercent.ValidateAtMost100Percent(maxUnavailable, path + ".maxUnavailable"));
        errs.AddRange(IntOrPercent.ValidateAtMost100Percent(maxSurge, path + ".maxSurge"));
        var hasUnavailable = (IntOrPercent.NumberOf(maxUnavailable) ?? 0) != 0;
        var hasSurge = (IntOrPercent.NumberOf(maxSurge) ?? 0) != 0;
        if (hasUnavailable && hasSurge)
        {
            errs.Add(FieldError.Invalid(path + ".maxSurge", FieldRules.ValueForMessage(maxSurge), "may not be set when maxUnavailable is non-zero"));
        }
        else if (!hasUnavailable && !hasSurge)
        {
            errs.Add(FieldError.Required(path + ".maxUnavailable", "cannot be 0 when maxSurge is 0"));
        }
    }

    public override IEnumerable<FieldError> ValidateStatus(JsonObject obj, JsonObject old) =>
        WorkloadStatusValidation.Validate(obj, old,
            ["currentNumberScheduled", "numberMisscheduled", "desiredNumberScheduled", "numberReady", "updatedNumberScheduled", "numberAvailable", "numberUnavailable"],
            [], "");

    protected override void ValidateUpdate(JsonObject obj, JsonObject old, List<FieldError> errs) =>
        errs.AddRange(FieldRules.Immutable(obj.Obj("spec"), old.Obj("spec"), "selector", "spec.selector"));
}
