using System.Text.Json.Nodes;
using Capstan.Api.Text;
using Capstan.Api.Validation;

namespace Capstan.Scheduler.Framework;

/// <summary>A node taint: key, value and effect (NoSchedule, PreferNoSchedule, NoExecute).</summary>
public sealed record Taint(string Key, string Value, string Effect)
{
    public const string NoSchedule = "NoSchedule";
    public const string PreferNoSchedule = "PreferNoSchedule";
    public const string NoExecute = "NoExecute";

    public static IReadOnlyList<Taint> ParseAll(JsonObject? nodeSpec) =>
        nodeSpec is null ? [] : [.. nodeSpec.Items("taints").Select(t => new Taint(StringTable.Shared.Intern(t.Item.StrOrEmpty("key")), StringTable.Shared.Intern(t.Item.StrOrEmpty("value")), StringTable.Shared.Intern(t.Item.StrOrEmpty("effect"))))];
}
