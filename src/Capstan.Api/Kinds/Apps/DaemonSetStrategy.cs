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
        WorkloadValidation.ValidateSelectorAndTemplate(spec, "daemonset", errs);
        errs.AddRange(FieldRules.NonNegative(spec, "minReadySeconds", "spec.minReadySeconds"));
        errs.AddRange(FieldRules.NonNegative(spec, "revisionHistoryLimit", "spec.revisionHistoryLimit"));
        errs.AddRange(FieldRules.NonNegative(spec, "templateGeneration", "spec.templateGeneration"));

        var update = spec.Obj("updateStrategy") ?? new JsonObject();
        errs.AddRange(FieldRules.OneOf(update, "type", "spec.updateStrategy.type", true, "OnDelete", "RollingUpdate"));
        if (update.Str("type") == "RollingUpdate")
        {
            if (update.Obj("rollingUpdate") is { } rolling)
            {
                WorkloadValidation.ValidateRollingUpdate(rolling, "spec.updateStrategy.rollingUpdate", errs);
            }
            else
            {
                errs.Add(FieldError.Required("spec.updateStrategy.rollingUpdate"));
            }
        }
    }

    protected override void ValidateUpdate(JsonObject obj, JsonObject old, List<FieldError> errs) =>
        errs.AddRange(FieldRules.Immutable(obj.Obj("spec"), old.Obj("spec"), "selector", "spec.selector"));
}
