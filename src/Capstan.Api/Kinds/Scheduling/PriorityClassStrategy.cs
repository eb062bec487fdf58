using System.Text.Json.Nodes;
using Capstan.Api.Validation;

namespace Capstan.Api.Kinds.Scheduling;

/// <summary>PriorityClasses: preemptionPolicy PreemptLowerPriority; "system-" names reserved; user values at most 1e9; value fixed once created.</summary>
public sealed class PriorityClassStrategy : KindStrategy
{
    public const long HighestUserDefinablePriority = 1_000_000_000;
    public const string SystemPrefix = "system-";

    private static readonly Dictionary<string, long> SystemClasses = new()
    {
        ["system-node-critical"] = 2_000_001_000,
        ["system-cluster-critical"] = 2_000_000_000,
    };

    public override string Group => "scheduling.k8s.io";

    public override string Kind => "PriorityClass";

    public override void Default(JsonObject obj) => obj.SetDefaultString("preemptionPolicy", "PreemptLowerPriority");

    protected override void ValidateObject(JsonObject obj, List<FieldError> errs)
    {
        var name = obj.Obj("metadata")?.StrOrEmpty("name") ?? "";
        var value = obj.Long("value") ?? 0;
        if (name.StartsWith(SystemPrefix, StringComparison.Ordinal))
        {
            string? problem = null;
            if (!SystemClasses.TryGetValue(name, out var expected))
            {
                problem = $"{name} is not a known system priority class";
            }
            else if (value != expected)
            {
                problem = $"value of {name} PriorityClass must be {expected}";
            }
            else if (obj.Bool("globalDefault") == true)
            {
                problem = $"globalDefault of {name} PriorityClass must be false";
            }

            if (problem is not null)
            {
                errs.Add(FieldError.Forbidden("metadata.name", $"priority class names with '{SystemPrefix}' prefix are reserved for system use only. error: {problem}"));
            }
        }
        else if (value > HighestUserDefinablePriority)
        {
            errs.Add(FieldError.Forbidden("value", $"maximum allowed value of a user defined priority is {HighestUserDefinablePriority}"));
        }

        errs.AddRange(FieldRules.OneOf(obj, "preemptionPolicy", "preemptionPolicy", false, "Never", "PreemptLowerPriority"));
    }

    protected override void ValidateUpdate(JsonObject obj, JsonObject old, List<FieldError> errs)
    {
        if (obj.Long("value") != old.Long("value"))
        {
            errs.Add(FieldError.Forbidden("value", "may not be changed in an update."));
        }

        errs.AddRange(FieldRules.Immutable(obj, old, "preemptionPolicy", "preemptionPolicy"));
    }
}
