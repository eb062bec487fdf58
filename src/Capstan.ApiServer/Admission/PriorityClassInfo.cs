using System.Text.Json.Nodes;
using Capstan.Api.Validation;

namespace Capstan.ApiServer.Admission;

/// <summary>What pod admission needs of a PriorityClass.</summary>
internal sealed record PriorityClassInfo(string Name, long Value, string PreemptionPolicy, bool GlobalDefault)
{
    public static PriorityClassInfo? Parse(byte[] json)
    {
        if (JsonNode.Parse(json) is not JsonObject pc)
        {
            return null;
        }

        return new PriorityClassInfo(
            JsonAccess.AsString(pc["metadata"]?["name"]) ?? "",
            JsonAccess.AsLong(pc["value"]) ?? 0,
            JsonAccess.AsString(pc["preemptionPolicy"]) is { Length: > 0 } policy ? policy : PriorityAdmission.DefaultPreemptionPolicy,
            pc["globalDefault"] is JsonValue v && v.TryGetValue<bool>(out var global) && global);
    }
}
