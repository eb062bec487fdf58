using System.Text.Json.Nodes;
using Capstan.Api.Validation;

namespace Capstan.Api.Kinds.Apps;

public sealed class ControllerRevisionStrategy : KindStrategy
{
    public override string Group => "apps";

    public override string Kind => "ControllerRevision";

    protected override void ValidateObject(JsonObject obj, List<FieldError> errs)
    {
        if (obj["data"] is null)
        {
            errs.Add(FieldError.Required("data", "data is mandatory"));
        }

        errs.AddRange(FieldRules.NonNegative(obj, "revision", "revision"));
    }

    protected override void ValidateUpdate(JsonObject obj, JsonObject old, List<FieldError> errs) =>
        errs.AddRange(FieldRules.Immutable(obj, old, "data", "data"));
}
