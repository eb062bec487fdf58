using System.Text.Json.Nodes;
using Capstan.Api.Kinds.Core;
using Capstan.Api.Validation;

namespace Capstan.Api.Kinds.Apps;

public sealed class ReplicaSetStrategy : KindStrategy
{
    public override string Group => "apps";

    public override string Kind => "ReplicaSet";

    public override void Default(JsonObject obj)
    {
        var spec = obj.EnsureObj("spec");
        spec.SetDefault("replicas", 1);
        PodSpecDefaults.ApplyTemplate(spec);
    }

    protected override void ValidateObject(JsonObject obj, List<FieldError> errs)
    {
        var spec = obj.Obj("spec") ?? new JsonObject();
        errs.AddRange(FieldRules.NonNegative(spec, "replicas", "spec.replicas"));
        errs.AddRange(FieldRules.NonNegative(spec, "minReadySeconds", "spec.minReadySeconds"));

        // Kubernetes words the empty-selector error the same for ReplicaSets as for Deployments.
        WorkloadValidation.ValidateSelectorAndTemplate(spec, "deployment", "ReplicaSet", errs);
    }

    public override IEnumerable<FieldError> ValidateStatus(JsonObject obj, JsonObject old) =>
        WorkloadStatusValidation.Validate(obj, old,
            ["replicas", "fullyLabeledReplicas", "readyReplicas", "availableReplicas", "terminatingReplicas"],
            ["fullyLabeledReplicas", "readyReplicas", "availableReplicas"], "cannot be greater than status.replicas");

    protected override void ValidateUpdate(JsonObject obj, JsonObject old, List<FieldError> errs) =>
        errs.AddRange(FieldRules.Immutable(obj.Obj("spec"), old.Obj("spec"), "selector", "spec.selector"));
}
