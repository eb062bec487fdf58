using System.Text.Json.Nodes;
using Capstan.Api.Validation;

namespace Capstan.Api.Kinds.Core;

public sealed class ResourceQuotaStrategy : KindStrategy
{
    private static readonly string[] Scopes = ["Terminating", "NotTerminating", "BestEffort", "NotBestEffort", "PriorityClass", "CrossNamespacePodAffinity"];

    private static readonly string[] StandardQuotaResources =
    [
        "pods", "services", "replicationcontrollers", "resourcequotas", "secrets", "configmaps", "persistentvolumeclaims",
        "services.nodeports", "services.loadbalancers", "cpu", "memory", "ephemeral-storage", "storage",
        "requests.cpu", "requests.memory", "requests.storage", "requests.ephemeral-storage",
        "limits.cpu", "limits.memory", "limits.ephemeral-storage",
    ];

    public override string Group => "";

    /// <summary>Names without a '/' must be standard quota resources (hugepages included); domain-qualified ones are free.</summary>
    private static IEnumerable<string> QuotaNameCheck(string name) =>
        name.Contains('/') || StandardQuotaResources.Contains(name)
        || name.StartsWith("hugepages-", StringComparison.Ordinal) || name.StartsWith("requests.hugepages-", StringComparison.Ordinal)
            ? []
            : ["must be a standard resource for quota"];

    public override string Kind => "ResourceQuota";

    public override void Default(JsonObject obj) => ResourceListValidation.Canonicalize(obj.Obj("spec")?.Obj("hard"));

    protected override void ValidateObject(JsonObject obj, List<FieldError> errs)
    {
        var spec = obj.Obj("spec") ?? new JsonObject();
        errs.AddRange(ResourceListValidation.ValidateQuantities(spec.Obj("hard"), "spec.hard", QuotaNameCheck));
        foreach (var scope in spec.Strings("scopes").Where(s => !Scopes.Contains(s)))
        {
            errs.Add(FieldError.NotSupported("spec.scopes", scope, Scopes));
        }

        if (spec.Strings("scopes").Contains("Terminating") && spec.Strings("scopes").Contains("NotTerminating"))
        {
            errs.Add(FieldError.Invalid("spec.scopes", spec["scopes"], "conflicting scopes"));
        }

        foreach (var (i, expr) in (spec.Obj("scopeSelector") ?? new JsonObject()).Items("matchExpressions"))
        {
            var path = $"spec.scopeSelector.matchExpressions[{i}]";
            errs.AddRange(FieldRules.OneOf(expr, "scopeName", path + ".scopeName", true, Scopes));
            errs.AddRange(FieldRules.OneOf(expr, "operator", path + ".operator", true, "In", "NotIn", "Exists", "DoesNotExist"));
        }
    }

    public override IEnumerable<FieldError> ValidateStatus(JsonObject obj, JsonObject old) =>
        ResourceListValidation.ValidateQuantities(obj.Obj("status")?.Obj("hard"), "status.hard")
            .Concat(ResourceListValidation.ValidateQuantities(obj.Obj("status")?.Obj("used"), "status.used"));
}
