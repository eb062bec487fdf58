using System.Text.Json.Nodes;
using Capstan.Api.Validation;

namespace Capstan.Api.Kinds.Policy;

public sealed class PodDisruptionBudgetStrategy : KindStrategy
{
    public override string Group => "policy";

    public override string Kind => "PodDisruptionBudget";

    protected override void ValidateObject(JsonObject obj, List<FieldError> errs)
    {
        var spec = obj.Obj("spec") ?? new JsonObject();
        if (spec.Has("minAvailable") && spec.Has("maxUnavailable"))
        {
            errs.Add(FieldError.Invalid("spec", spec.DeepClone(), "minAvailable and maxUnavailable cannot be both set"));
        }

        foreach (var field in new[] { "minAvailable", "maxUnavailable" })
        {
            errs.AddRange(IntOrPercent.ValidateNonNegative(spec[field], "spec." + field));
            errs.AddRange(IntOrPercent.ValidateAtMost100Percent(spec[field], "spec." + field));
        }

        errs.AddRange(LabelSelectorValidation.Validate(spec.Obj("selector"), "spec.selector"));
        errs.AddRange(FieldRules.OneOf(spec, "unhealthyPodEvictionPolicy", "spec.unhealthyPodEvictionPolicy", false, "AlwaysAllow", "IfHealthyBudget"));
    }
}
