using System.Text.Json.Nodes;
using Capstan.Api.Validation;

namespace Capstan.Api.Kinds.Apps;

/// <summary>Status rules of the replicated workloads: counts never negative, and no more ready or available replicas than replicas.</summary>
public static class WorkloadStatusValidation
{
    /// <summary>Validates <c>status</c>; <paramref name="counts"/> are the count fields of the kind, <paramref name="boundedByReplicas"/> those that may not exceed status.replicas.</summary>
    public static IEnumerable<FieldError> Validate(JsonObject obj, JsonObject old, string[] counts, string[] boundedByReplicas, string boundMessage,
        string readyBoundMessage = "cannot be greater than readyReplicas")
    {
        var status = obj.Obj("status") ?? new JsonObject();
        var errs = new List<FieldError>();
        foreach (var field in counts.Append("observedGeneration").Append("collisionCount"))
        {
            errs.AddRange(FieldRules.NonNegative(status, field, "status." + field));
        }

        var replicas = status.Long("replicas") ?? 0;
        foreach (var field in boundedByReplicas)
        {
            if (status.Long(field) is { } value && value > replicas)
            {
                errs.Add(FieldError.Invalid("status." + field, value, boundMessage));
            }
        }

        if (status.Long("availableReplicas") is { } available && boundedByReplicas.Contains("availableReplicas")
            && available > (status.Long("readyReplicas") ?? 0))
        {
            errs.Add(FieldError.Invalid("status.availableReplicas", available, readyBoundMessage));
        }

        if (old.Obj("status")?.Long("collisionCount") is { } oldCollisions && (status.Long("collisionCount") ?? 0) < oldCollisions)
        {
            errs.Add(FieldError.Invalid("status.collisionCount", status.Long("collisionCount") ?? 0, "cannot be decremented"));
        }

        return errs;
    }
}
