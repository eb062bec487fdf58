using System.Text.Json.Nodes;
using Capstan.Api.Kinds.Core;
using Capstan.Api.Validation;

namespace Capstan.Api.Kinds.Apps;

public sealed class DeploymentStrategy : KindStrategy
{
    public override string Group => "apps";

    public override string Kind => "Deployment";

    public override void Default(JsonObject obj)
    {
        var spec = obj.EnsureObj("spec");
        spec.SetDefault("replicas", 1);
        var strategy = spec.EnsureObj("strategy");
        strategy.SetDefaultString("type", "RollingUpdate");
        if (strategy.Str("type") == "RollingUpdate")
        {
            var rolling = strategy.EnsureObj("rollingUpdate");
            rolling.SetDefault("maxUnavailable", "25%");
            rolling.SetDefault("maxSurge", "25%");
        }

        spec.SetDefault("revisionHistoryLimit", 10);
        spec.SetDefault("progressDeadlineSeconds", 600);
        PodSpecDefaults.ApplyTemplate(spec);
    }

    protected override void ValidateObject(JsonObject obj, List<FieldError> errs)
    {
        var spec = obj.Obj("spec") ?? new JsonObject();
        errs.AddRange(FieldRules.NonNegative(spec, "replicas", "spec.replicas"));
        WorkloadValidation.ValidateSelectorAndTemplate(spec, "deployment", "ReplicaSet", errs);

        var strategy = spec.Obj("strategy") ?? new JsonObject();
        switch (strategy.StrOrEmpty("type"))
        {
            case "Recreate":
                if (strategy.Has("rollingUpdate"))
                {
                    errs.Add(FieldError.Forbidden("spec.strategy.rollingUpdate", "may not be specified when strategy `type` is 'Recreate'"));
                }

                break;
            case "RollingUpdate":
                if (strategy.Obj("rollingUpdate") is { } rolling)
                {
                    WorkloadValidation.ValidateRollingUpdate(rolling, "spec.strategy.rollingUpdate", errs);
                }
                else
                {
                    errs.Add(FieldError.Required("spec.strategy.rollingUpdate", "this should be defaulted and never be nil"));
                }

                break;
            default:
                errs.Add(FieldError.NotSupported("spec.strategy", strategy.DeepClone(), ["Recreate", "RollingUpdate"]));
                break;
        }

        errs.AddRange(FieldRules.NonNegative(spec, "minReadySeconds", "spec.minReadySeconds"));
        errs.AddRange(FieldRules.NonNegative(spec, "revisionHistoryLimit", "spec.revisionHistoryLimit"));
        errs.AddRange(FieldRules.NonNegative(spec, "progressDeadlineSeconds", "spec.progressDeadlineSeconds"));
        if (spec.Long("progressDeadlineSeconds") is { } deadline && deadline <= (spec.Long("minReadySeconds") ?? 0))
        {
            errs.Add(FieldError.Invalid("spec.progressDeadlineSeconds", deadline, "must be greater than minReadySeconds"));
        }
    }

    public override IEnumerable<FieldError> ValidateStatus(JsonObject obj, JsonObject old) =>
        WorkloadStatusValidation.Validate(obj, old,
            ["replicas", "updatedReplicas", "readyReplicas", "availableReplicas", "unavailableReplicas", "terminatingReplicas"],
            ["updatedReplicas", "readyReplicas", "availableReplicas"], "cannot be greater than status.replicas");

    protected override void ValidateUpdate(JsonObject obj, JsonObject old, List<FieldError> errs) =>
        errs.AddRange(FieldRules.Immutable(obj.Obj("spec"), old.Obj("spec"), "selector", "spec.selector"));
}
