using System.Text.Json.Nodes;
using Capstan.Api.Validation;

namespace Capstan.Api.Kinds.Autoscaling;

/// <summary>autoscaling/v2 HPAs: minReplicas 1, a cpu-at-80% metric when none is given, behavior defaults when behavior is given.</summary>
public sealed class HorizontalPodAutoscalerStrategy : KindStrategy
{
    public const int DefaultCpuUtilization = 80;

    private static readonly string[] MetricTypes = ["Object", "Pods", "Resource", "ContainerResource", "External"];
    private static readonly string[] TargetTypes = ["Utilization", "Value", "AverageValue"];

    public override string Group => "autoscaling";

    public override string Kind => "HorizontalPodAutoscaler";

    public override void Default(JsonObject obj)
    {
        var spec = obj.EnsureObj("spec");
        spec.SetDefault("minReplicas", 1);
        if (!spec.HasEntries("metrics"))
        {
            spec["metrics"] = new JsonArray(new JsonObject
            {
                ["type"] = "Resource",
                ["resource"] = new JsonObject
                {
                    ["name"] = "cpu",
                    ["target"] = new JsonObject { ["type"] = "Utilization", ["averageUtilization"] = DefaultCpuUtilization },
                },
            });
        }

        if (spec.Obj("behavior") is { } behavior)
        {
            behavior["scaleUp"] = Rules(behavior.Obj("scaleUp"), stabilization: 0,
                Policy("Pods", 4, 15), Policy("Percent", 100, 15));

            // Scale-down stabilisation stays unset: the controller's flag supplies it (300s by default).
            behavior["scaleDown"] = Rules(behavior.Obj("scaleDown"), stabilization: null, Policy("Percent", 100, 15));
        }
    }

    private static JsonObject Policy(string type, int value, int period) =>
        new() { ["type"] = type, ["value"] = value, ["periodSeconds"] = period };

    private static JsonObject Rules(JsonObject? given, int? stabilization, params JsonObject[] policies)
    {
        var rules = (JsonObject?)given?.DeepClone() ?? new JsonObject();
        rules.SetDefault("selectPolicy", "Max");
        if (stabilization is { } s)
        {
            rules.SetDefault("stabilizationWindowSeconds", s);
        }

        rules.SetDefault("policies", new JsonArray(policies.Select(p => (JsonNode?)p).ToArray()));
        return rules;
    }

    protected override void ValidateObject(JsonObject obj, List<FieldError> errs)
    {
        var spec = obj.Obj("spec") ?? new JsonObject();
        var target = spec.Obj("scaleTargetRef") ?? new JsonObject();
        foreach (var field in new[] { "kind", "name" })
        {
            var value = target.StrOrEmpty(field);
            if (value.Length == 0)
            {
                errs.Add(FieldError.Required("spec.scaleTargetRef." + field));
            }
            else
            {
                errs.AddRange(NameFormats.IsValidPathSegmentName(value).Select(m => FieldError.Invalid("spec.scaleTargetRef." + field, value, m)));
            }
        }

        var min = spec.Long("minReplicas");
        if (min is < 1)
        {
            errs.Add(FieldError.Invalid("spec.minReplicas", min, "must be greater than or equal to 1"));
        }

        var max = spec.Long("maxReplicas") ?? 0;
        if (max < 1)
        {
            errs.Add(FieldError.Invalid("spec.maxReplicas", max, "must be greater than 0"));
        }

        if (min is { } m && max < m)
        {
            errs.Add(FieldError.Invalid("spec.maxReplicas", max, "must be greater than or equal to `minReplicas`"));
        }

        foreach (var (i, metric) in spec.Items("metrics"))
        {
            ValidateMetric(metric, $"spec.metrics[{i}]", errs);
        }

        if (spec.Obj("behavior") is { } behavior)
        {
            foreach (var direction in new[] { "scaleUp", "scaleDown" })
            {
                if (behavior.Obj(direction) is { } rules)
                {
                    ValidateRules(rules, $"spec.behavior.{direction}", errs);
                }
            }
        }
    }

    private static void ValidateMetric(JsonObject metric, string path, List<FieldError> errs)
    {
        var type = metric.StrOrEmpty("type");
        if (type.Length == 0)
        {
            errs.Add(FieldError.Required(path + ".type", "must specify a metric source type"));
            return;
        }

        if (!MetricTypes.Contains(type))
        {
            errs.Add(FieldError.NotSupported(path + ".type", type, MetricTypes));
            return;
        }

        var sourceKey = type switch
        {
            "Object" => "object",
            "Pods" => "pods",
            "Resource" => "resource",
            "ContainerResource" => "containerResource",
            _ => "external",
        };
        foreach (var other in new[] { "object", "pods", "resource", "containerResource", "external" }.Where(k => k != sourceKey && metric.Has(k)))
        {
            errs.Add(FieldError.Forbidden($"{path}.{other}", "must populate the given metric source only"));
        }

        if (metric.Obj(sourceKey) is not { } source)
        {
            errs.Add(FieldError.Required($"{path}.{sourceKey}", "must populate information for the given metric source"));
            return;
        }

        if (type is "Resource" or "ContainerResource")
        {
            if (source.StrOrEmpty("name").Length == 0)
            {
                errs.Add(FieldError.Required($"{path}.{sourceKey}.name", "must specify a resource name"));
            }

            if (type == "ContainerResource" && source.StrOrEmpty("container").Length == 0)
            {
                errs.Add(FieldError.Required($"{path}.{sourceKey}.container", "must specify a container"));
            }
        }
        else if (source.Obj("metric") is not { } metricId || metricId.StrOrEmpty("name").Length == 0)
        {
            errs.Add(FieldError.Required($"{path}.{sourceKey}.metric.name", "must specify a metric name"));
        }

        var target = source.Obj("target");
        var targetPath = $"{path}.{sourceKey}.target";
        if (target is null)
        {
            errs.Add(FieldError.Required(targetPath));
            return;
        }

        var targetType = target.StrOrEmpty("type");
        if (targetType.Length == 0)
        {
            errs.Add(FieldError.Required(targetPath + ".type", "must specify a metric target type"));
        }
        else if (!TargetTypes.Contains(targetType))
        {
            errs.Add(FieldError.NotSupported(targetPath + ".type", targetType, TargetTypes));
        }

        if (target.Long("averageUtilization") is <= 0 and var utilization)
        {
            errs.Add(FieldError.Invalid(targetPath + ".averageUtilization", utilization, "must be greater than 0"));
        }

        foreach (var key in new[] { "value", "averageValue" })
        {
            if (target[key] is { } node)
            {
                if (!ResourceListValidation.TryGetQuantity(node, out var q))
                {
                    errs.Add(FieldError.Invalid($"{targetPath}.{key}", FieldRules.ValueForMessage(node), Quantity.FormatError));
                }
                else if (q.Sign <= 0)
                {
                    errs.Add(FieldError.Invalid($"{targetPath}.{key}", q.ToString(), "must be positive"));
                }
            }
        }

        var hasTarget = targetType switch
        {
            "Utilization" => target.Has("averageUtilization"),
            "Value" => target.Has("value"),
            "AverageValue" => target.Has("averageValue"),
            _ => true,
        };
        if (!hasTarget)
        {
            errs.Add(FieldError.Required(targetPath, "must set either a target raw value or a target utilization"));
        }
    }

    private static void ValidateRules(JsonObject rules, string path, List<FieldError> errs)
    {
        errs.AddRange(FieldRules.InRange(rules, "stabilizationWindowSeconds", path + ".stabilizationWindowSeconds", 0, 3600));
        errs.AddRange(FieldRules.OneOf(rules, "selectPolicy", path + ".selectPolicy", false, "Max", "Min", "Disabled"));
        if (rules.Has("policies") && !rules.HasEntries("policies"))
        {
            errs.Add(FieldError.Required(path + ".policies", "must specify at least one Policy"));
        }

        foreach (var (i, policy) in rules.Items("policies"))
        {
            var pPath = $"{path}.policies[{i}]";
            errs.AddRange(FieldRules.OneOf(policy, "type", pPath + ".type", true, "Pods", "Percent"));
            if ((policy.Long("value") ?? 0) <= 0)
            {
                errs.Add(FieldError.Invalid(pPath + ".value", policy.Long("value") ?? 0, "must be greater than zero"));
            }

            var period = policy.Long("periodSeconds") ?? 0;
            if (period <= 0)
            {
                errs.Add(FieldError.Invalid(pPath + ".periodSeconds", period, "must be greater than zero"));
            }
            else if (period > 1800)
            {
                errs.Add(FieldError.Invalid(pPath + ".periodSeconds", period, "must be less than or equal to 1800"));
            }
        }
    }
}
