using System.Text.Json.Nodes;
using Capstan.Api.Validation;

namespace Capstan.Api.Kinds.Core;

public sealed class NodeStrategy : KindStrategy
{
    private static readonly string[] Effects = ["NoSchedule", "PreferNoSchedule", "NoExecute"];

    public override string Group => "";

    public override string Kind => "Node";

    /// <summary>Kubernetes lets a Node be created with its status (capacity, addresses, conditions).</summary>
    public override bool AllowsStatusOnCreate => true;

    public override void Default(JsonObject obj)
    {
        // SetDefaults_NodeStatus: allocatable defaults to capacity.
        if (obj.Obj("status") is { } status && status.Obj("capacity") is { } capacity && !status.Has("allocatable"))
        {
            status["allocatable"] = capacity.DeepClone();
        }

        ResourceListValidation.Canonicalize(obj.Obj("status")?.Obj("capacity"), roundToMilli: true);
        ResourceListValidation.Canonicalize(obj.Obj("status")?.Obj("allocatable"), roundToMilli: true);
    }

    protected override void ValidateObject(JsonObject obj, List<FieldError> errs)
    {
        var spec = obj.Obj("spec") ?? new JsonObject();
        var seen = new HashSet<(string, string)>();
        foreach (var (i, taint) in spec.Items("taints"))
        {
            var path = $"spec.taints[{i}]";
            var key = taint.StrOrEmpty("key");
            errs.AddRange(NameFormats.IsQualifiedName(key).Select(m => FieldError.Invalid(path + ".key", key, m)));
            var value = taint.StrOrEmpty("value");
            errs.AddRange(NameFormats.IsValidLabelValue(value).Select(m => FieldError.Invalid(path + ".value", value, m)));
            errs.AddRange(FieldRules.OneOf(taint, "effect", path + ".effect", true, Effects));
            if (!seen.Add((key, taint.StrOrEmpty("effect"))))
            {
                errs.Add(FieldError.Duplicate(path, new JsonObject { ["key"] = key, ["effect"] = taint.StrOrEmpty("effect") }));
            }
        }

        var cidrs = spec.Strings("podCIDRs");
        foreach (var (cidr, i) in cidrs.Select((c, i) => (c, i)))
        {
            errs.AddRange(NetworkFormats.IsValidCidr(cidr).Select(m => FieldError.Invalid($"spec.podCIDRs[{i}]", cidr, m)));
        }

        if (cidrs.Count > 0 && spec.Str("podCIDR") is { Length: > 0 } podCidr && podCidr != cidrs[0])
        {
            errs.Add(FieldError.Invalid("spec.podCIDRs", cidrs[0], "must match the first element of `podCIDRs`"));
        }

        errs.AddRange(ResourceListValidation.ValidateQuantities(obj.Obj("status")?.Obj("capacity"), "status.capacity"));
        errs.AddRange(ResourceListValidation.ValidateQuantities(obj.Obj("status")?.Obj("allocatable"), "status.allocatable"));
    }

    protected override void ValidateUpdate(JsonObject obj, JsonObject old, List<FieldError> errs)
    {
        var spec = obj.Obj("spec");
        var oldSpec = old.Obj("spec");
        foreach (var field in new[] { "podCIDR", "podCIDRs", "providerID" })
        {
            if (oldSpec?.Has(field) == true && oldSpec[field] is not JsonArray { Count: 0 } && !JsonAccess.SameAs(spec?[field], oldSpec[field]))
            {
                errs.Add(FieldError.Forbidden("spec." + field, $"node updates may not change {field} except from \"\" to valid"));
            }
        }
    }
}
