using System.Text.Json.Nodes;
using Capstan.Api.Validation;

namespace Capstan.Api.Kinds.Certificates;

/// <summary>
/// The condition types of a CertificateSigningRequest and how its status subresources change them: the <c>approval</c>
/// subresource writes only <c>status.conditions</c>, the <c>status</c> subresource everything but the Approved and Denied
/// conditions (a signer cannot approve its own requests), as Kubernetes' CSR strategies do.
/// </summary>
public static class CertificateConditions
{
    public const string Approved = "Approved";
    public const string Denied = "Denied";
    public const string Failed = "Failed";

    public static bool Has(JsonObject csr, string type) =>
        Conditions(csr).Any(c => c.Str("type") == type && c.Str("status") is null or "True");

    public static IEnumerable<JsonObject> Conditions(JsonObject csr) =>
        (csr["status"]?["conditions"] as JsonArray ?? []).OfType<JsonObject>();

    /// <summary>The status to store for a write to <paramref name="subresource"/> ("approval" or "status") of a CSR.</summary>
    public static JsonNode? MergeStatus(JsonObject old, JsonNode? written, string subresource)
    {
        var oldStatus = old["status"] as JsonObject;
        var writtenStatus = written as JsonObject;
        if (subresource == "approval")
        {
            var merged = oldStatus?.DeepClone().AsObject() ?? new JsonObject();
            if (writtenStatus?["conditions"] is { } conditions)
            {
                merged["conditions"] = conditions.DeepClone();
            }
            else
            {
                merged.Remove("conditions");
            }

            return merged.Count == 0 ? null : merged;
        }

        var result = writtenStatus?.DeepClone().AsObject() ?? new JsonObject();
        var kept = new JsonArray();
        foreach (var condition in (result["conditions"] as JsonArray ?? []).OfType<JsonObject>())
        {
            if (condition.Str("type") is not (Approved or Denied))
            {
                kept.Add(condition.DeepClone());
            }
        }

        foreach (var condition in (oldStatus?["conditions"] as JsonArray ?? []).OfType<JsonObject>())
        {
            if (condition.Str("type") is Approved or Denied)
            {
                kept.Add(condition.DeepClone());
            }
        }

        if (kept.Count > 0)
        {
            result["conditions"] = kept;
        }
        else
        {
            result.Remove("conditions");
        }

        return result.Count == 0 ? null : result;
    }
}
