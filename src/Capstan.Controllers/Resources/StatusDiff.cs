using System.Text.Json.Nodes;
using Capstan.Api.Validation;
using Capstan.Client.Dynamic;

namespace Capstan.Controllers.Resources;

/// <summary>Whether a computed status says anything the stored one does not, zero counts and empty lists counting as absent (Go's omitempty).</summary>
internal static class StatusDiff
{
    public static bool Differs(JsonObject obj, JsonObject status) => !JsonNode.DeepEquals(Normalize(obj["status"] as JsonObject), Normalize(status));

    private static JsonObject Normalize(JsonObject? status)
    {
        var copy = status?.DeepCopy() ?? new JsonObject();
        foreach (var key in copy.Select(p => p.Key).ToList())
        {
            if (copy[key] is null || JsonAccess.AsLong(copy[key]) == 0 || copy[key] is JsonArray { Count: 0 } || copy[key] is JsonObject { Count: 0 })
            {
                copy.Remove(key);
            }
        }

        return copy;
    }
}
