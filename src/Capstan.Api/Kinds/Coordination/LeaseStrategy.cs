using System.Text.Json.Nodes;
using Capstan.Api.Validation;

namespace Capstan.Api.Kinds.Coordination;

public sealed class LeaseStrategy : KindStrategy
{
    public override string Group => "coordination.k8s.io";

    public override string Kind => "Lease";

    protected override void ValidateObject(JsonObject obj, List<FieldError> errs)
    {
        var spec = obj.Obj("spec") ?? new JsonObject();
        errs.AddRange(FieldRules.Positive(spec, "leaseDurationSeconds", "spec.leaseDurationSeconds"));
        errs.AddRange(FieldRules.NonNegative(spec, "leaseTransitions", "spec.leaseTransitions"));
        errs.AddRange(FieldRules.OneOf(spec, "strategy", "spec.strategy", false, "OldestEmulationVersion"));
        if (spec.Str("preferredHolder") is { Length: > 0 } && spec.StrOrEmpty("strategy").Length == 0)
        {
            errs.Add(FieldError.Forbidden("spec.preferredHolder", "may only be specified if `strategy` is defined"));
        }
    }
}
