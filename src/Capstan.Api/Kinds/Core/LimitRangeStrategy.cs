using System.Text.Json.Nodes;
using Capstan.Api.Validation;

namespace Capstan.Api.Kinds.Core;

/// <summary>LimitRanges: container items get default limits from max and default requests from default or min (SetDefaults_LimitRangeItem).</summary>
public sealed class LimitRangeStrategy : KindStrategy
{
    private static readonly string[] Types = ["Pod", "Container", "PersistentVolumeClaim"];
    private static readonly string[] Lists = ["max", "min", "default", "defaultRequest", "maxLimitRequestRatio"];

    public override string Group => "";

    public override string Kind => "LimitRange";

    public override void Default(JsonObject obj)
    {
        foreach (var (_, item) in (obj.Obj("spec") ?? new JsonObject()).Items("limits"))
        {
            foreach (var list in Lists)
            {
                ResourceListValidation.Canonicalize(item.Obj(list));
            }

            if (item.Str("type") != "Container")
            {
                continue;
            }

            var defaults = item.EnsureObj("default");
            var defaultRequests = item.EnsureObj("defaultRequest");
            foreach (var (name, value) in item.Obj("max") ?? [])
            {
                defaults.SetDefault(name, value?.DeepClone());
            }

            foreach (var (name, value) in defaults)
            {
                defaultRequests.SetDefault(name, value?.DeepClone());
            }

            foreach (var (name, value) in item.Obj("min") ?? [])
            {
                defaultRequests.SetDefault(name, value?.DeepClone());
            }

            // Empty maps are omitted on the wire.
            if (defaults.Count == 0)
            {
                item.Remove("default");
            }

            if (defaultRequests.Count == 0)
            {
                item.Remove("defaultRequest");
            }
        }
    }

    protected override void ValidateObject(JsonObject obj, List<FieldError> errs)
    {
        foreach (var (i, item) in (obj.Obj("spec") ?? new JsonObject()).Items("limits"))
        {
            var path = $"spec.limits[{i}]";
            errs.AddRange(FieldRules.OneOf(item, "type", path + ".type", true, Types));
            foreach (var list in Lists)
            {
                errs.AddRange(ResourceListValidation.ValidateQuantities(item.Obj(list), $"{path}.{list}"));
            }

            if (item.Str("type") == "Pod" && (item.HasEntries("default") || item.HasEntries("defaultRequest")))
            {
                errs.Add(FieldError.Forbidden(path + ".default", "may not be specified when `type` is 'Pod'"));
            }

            var min = item.Obj("min");
            foreach (var (name, node) in item.Obj("max") ?? [])
            {
                if (ResourceListValidation.TryGetQuantity(node, out var max)
                    && ResourceListValidation.TryGetQuantity(min?[name], out var minQ) && minQ > max)
                {
                    errs.Add(FieldError.Invalid($"{path}.min[{name}]", minQ.ToString(), $"min value {minQ} is greater than max value {max}"));
                }

                if (ResourceListValidation.TryGetQuantity(node, out max)
                    && ResourceListValidation.TryGetQuantity(item.Obj("default")?[name], out var def) && def > max)
                {
                    errs.Add(FieldError.Invalid($"{path}.default[{name}]", def.ToString(), $"default value {def} is greater than max value {max}"));
                }
            }
        }
    }
}
