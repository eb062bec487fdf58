using System.Globalization;
using System.Text.Json.Nodes;
using Capstan.Api.Kinds.Batch;
using Capstan.Api.Kinds.Rollouts;
using Capstan.Api.Validation;

namespace Capstan.Controllers.Canary;

/// <summary>A Canary's spec, read once per reconcile with the API's defaults filled in where a field is missing.</summary>
internal sealed record CanarySettings(
    string Target,
    string Service,
    string? Ingress,
    IReadOnlyList<int> Steps,
    TimeSpan Interval,
    double SuccessRate,
    int? MaxLatencyMs,
    int MaxRestarts,
    int FailureLimit)
{
    public static CanarySettings From(JsonObject canary)
    {
        var spec = canary["spec"] as JsonObject ?? [];
        var analysis = spec["analysis"] as JsonObject ?? [];
        var steps = (spec["steps"] as JsonArray ?? []).Select(JsonAccess.AsLong).OfType<long>().Select(s => (int)Math.Clamp(s, 0, 100)).ToList();
        var interval = CronSchedule.TryParseGoDuration(spec.StrOrEmpty("interval"), out var d) && d > TimeSpan.Zero ? d : TimeSpan.FromSeconds(30);
        var rate = analysis["successRate"] is JsonValue v && double.TryParse(v.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var r) ? r : 99;
        return new CanarySettings(
            spec.Obj("targetRef")?.StrOrEmpty("name") ?? "",
            spec.StrOrEmpty("service"),
            spec.Str("ingress") is { Length: > 0 } ingress ? ingress : null,
            steps.Count > 0 ? steps : CanaryStrategy.DefaultSteps,
            interval,
            rate,
            analysis.Long("maxLatencyMs") is { } latency ? (int)latency : null,
            (int)(analysis.Long("maxRestarts") ?? 0),
            (int)Math.Max(1, analysis.Long("failureLimit") ?? 2));
    }

    /// <summary>
    /// Canary pods for a weight: the share of the Deployment's replicas, rounded up, at least one. Worked example: 10
    /// replicas at 25 % give 3 canary pods; 3 replicas at 10 % give 1.
    /// </summary>
    public static int CanaryReplicas(int replicas, int weight) => Math.Max(1, (int)Math.Ceiling(Math.Max(1, replicas) * weight / 100.0));
}
