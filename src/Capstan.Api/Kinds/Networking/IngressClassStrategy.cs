using System.Text.Json.Nodes;
using Capstan.Api.Validation;

namespace Capstan.Api.Kinds.Networking;

public sealed class IngressClassStrategy : KindStrategy
{
    public const int MaxControllerLength = 250;

    public override string Group => "networking.k8s.io";

    public override string Kind => "IngressClass";

    public override void Default(JsonObject obj)
    {
        if (obj.Obj("spec")?.Obj("parameters") is { } parameters)
        {
            parameters.SetDefault("scope", "Cluster");
        }
    }

    protected override void ValidateObject(JsonObject obj, List<FieldError> errs)
    {
        var spec = obj.Obj("spec") ?? new JsonObject();
        var controller = spec.StrOrEmpty("controller");
        if (controller.Length == 0)
        {
            errs.Add(FieldError.Required("spec.controller"));
        }
        else if (controller.Length > MaxControllerLength)
        {
            errs.Add(FieldError.TooLong("spec.controller", controller, MaxControllerLength));
        }
        else
        {
            var slash = controller.IndexOf('/');
            var domain = slash < 0 ? controller : controller[..slash];
            if (slash <= 0)
            {
                errs.Add(FieldError.Invalid("spec.controller", controller, "must be a domain-prefixed path (such as \"acme.io/foo\")"));
            }
            else
            {
                errs.AddRange(NameFormats.IsDns1123Subdomain(domain).Select(m => FieldError.Invalid("spec.controller", controller, m)));
            }
        }

        if (spec.Obj("parameters") is { } parameters)
        {
            foreach (var field in new[] { "kind", "name" })
            {
                if (parameters.StrOrEmpty(field).Length == 0)
                {
                    errs.Add(FieldError.Required("spec.parameters." + field));
                }
            }

            errs.AddRange(FieldRules.OneOf(parameters, "scope", "spec.parameters.scope", false, "Cluster", "Namespace"));
            var scope = parameters.Str("scope");
            var hasNamespace = parameters.StrOrEmpty("namespace").Length > 0;
            if (scope == "Namespace" && !hasNamespace)
            {
                errs.Add(FieldError.Required("spec.parameters.namespace", "`parameters.scope` is set to 'Namespace'"));
            }
            else if (scope != "Namespace" && hasNamespace)
            {
                errs.Add(FieldError.Forbidden("spec.parameters.namespace", "`parameters.scope` is set to 'Cluster'"));
            }
        }
    }

    protected override void ValidateUpdate(JsonObject obj, JsonObject old, List<FieldError> errs) =>
        errs.AddRange(FieldRules.Immutable(obj.Obj("spec"), old.Obj("spec"), "controller", "spec.controller"));
}
