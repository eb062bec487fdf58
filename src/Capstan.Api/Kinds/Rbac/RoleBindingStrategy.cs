using System.Text.Json.Nodes;
using Capstan.Api.Validation;

namespace Capstan.Api.Kinds.Rbac;

public sealed class RoleBindingStrategy : KindStrategy
{
    public override string Group => PolicyRuleValidation.RbacGroup;

    public override string Kind => "RoleBinding";

    public override void Default(JsonObject obj) => PolicyRuleValidation.DefaultBinding(obj);

    protected override void ValidateObject(JsonObject obj, List<FieldError> errs) =>
        PolicyRuleValidation.ValidateBinding(obj, namespaced: true, errs);

    protected override void ValidateUpdate(JsonObject obj, JsonObject old, List<FieldError> errs) =>
        PolicyRuleValidation.ValidateRoleRefUnchanged(obj, old, errs);
}
