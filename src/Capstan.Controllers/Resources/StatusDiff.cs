using System.Text.Json.Nodes;
using Capstan.Api.Validation;
using Capstan.Client.Dynamic;

namespace Capstan.Controllers.Resources;

/// <summary>Whether a computed status says anything the stored one does not, zero counts and empty lists counting as absent (Go's omitempty).</summary>
internal static class StatusDiff
{
    public static bool Differs(JsonObject obj, JsonObject status) => !JsonNode.DeepEquals(Normalize(obj["status"] as JsonObject), Normalize(status));

    /// <summary>Writes <paramref name="status"/> to the status subresource when it <see cref="Differs"/>; an object deleted meanwhile is left alone.</summary>
    public static async Task WriteIfChangedAsync(DynamicClient client, ApiResource resource, JsonObject obj, JsonObject status, CancellationToken ct)
    {
        if (!Differs(obj, status))
        {
            return;
        }

        var copy = obj.DeepCopy();
        copy["status"] = status;
        try
        {
            await client.UpdateStatusAsync(resource, copy, ct).ConfigureAwait(false);
        }
        catch (ApiRequestException ex) when (ex.IsNotFound)
        {
        }
    }

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
