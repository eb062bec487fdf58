using System.Text.Json.Nodes;
using Capstan.Api.Text;
using Capstan.Api.Validation;

namespace Capstan.Scheduler.Framework;

/// <summary>A pod toleration. Operator is Equal (the default) or Exists; an empty effect tolerates every effect.</summary>
public sealed record Toleration(string Key, string Operator, string Value, string Effect)
{
    public static IReadOnlyList<Toleration> ParseAll(JsonObject? podSpec) =>
        podSpec is null
            ? []
            : [.. podSpec.Items("tolerations").Select(t => new Toleration(
                StringTable.Shared.Intern(t.Item.StrOrEmpty("key")), t.Item.Str("operator") is { Length: > 0 } op ? StringTable.Shared.Intern(op) : "Equal",
                StringTable.Shared.Intern(t.Item.StrOrEmpty("value")), StringTable.Shared.Intern(t.Item.StrOrEmpty("effect"))))];

    /// <summary>Kubernetes' ToleratesTaint: effect, key and (for Equal) value must match; an empty key with Exists matches every key.</summary>
    public bool Tolerates(Taint taint)
    {
        if (Effect.Length > 0 && Effect != taint.Effect)
        {
            return false;
        }

        if (Key.Length > 0 && Key != taint.Key)
        {
            return false;
        }

        return Operator switch
        {
            "Exists" => true,
            "Equal" => Value == taint.Value,
            _ => false,
        };
    }

    public static bool AnyTolerates(IReadOnlyList<Toleration> tolerations, Taint taint)
    {
        foreach (var toleration in tolerations)
        {
            if (toleration.Tolerates(taint))
            {
                return true;
            }
        }

        return false;
    }
}
