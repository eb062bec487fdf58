using System.Text.Json.Nodes;
using Capstan.Api.Validation;

namespace Capstan.Api.Kinds.Rbac;

public sealed class RoleStrategy : KindStrategy
{
    public override string Group => PolicyRuleValidation.RbacGroup;

    public override string Kind => "Role";

    protected override void ValidateObject(JsonObject obj, List<FieldError> errs) =>
        PolicyRuleValidation.ValidateRules(obj, namespaced: true, errs);
}
