using System.Text.Json.Nodes;
using Capstan.Api.Validation;
using Capstan.Controllers.Pods;

namespace Capstan.Controllers.Deployment;

/// <summary>The Available and Progressing conditions of a Deployment, with Kubernetes' reasons and messages.</summary>
internal static class DeploymentConditions
{
    public const string Available = "Available";
    public const string Progressing = "Progressing";

    public static JsonObject? Find(JsonArray conditions, string type) =>
        conditions.OfType<JsonObject>().FirstOrDefault(c => c.StrOrEmpty("type") == type);

    /// <summary>
    /// Sets a condition as Kubernetes' SetDeploymentCondition does: the same status and reason change nothing; the same
    /// status with another reason keeps lastTransitionTime; <paramref name="touch"/> refreshes lastUpdateTime even when unchanged.
    /// </summary>
    public static void Set(JsonArray conditions, string type, string status, string reason, string message, DateTimeOffset now, bool touch = false)
    {
        var existing = Find(conditions, type);
        if (existing is not null && existing.StrOrEmpty("status") == status && existing.StrOrEmpty("reason") == reason && !touch)
        {
            return;
        }

        var at = Timestamps.Format(now);
        var transition = existing is not null && existing.StrOrEmpty("status") == status ? existing["lastTransitionTime"]?.DeepClone() ?? at : at;
        var condition = new JsonObject
        {
            ["type"] = type,
            ["status"] = status,
            ["lastUpdateTime"] = at,
            ["lastTransitionTime"] = transition,
            ["reason"] = reason,
            ["message"] = message,
        };
        // Replaced conditions move to the end, as Kubernetes' filter-and-append does (so a finished rollout lists Available, then Progressing).
        if (existing is not null)
        {
            conditions.Remove(existing);
        }

        conditions.Add(condition);
    }
}
