using System.ComponentModel;
using System.Text.Json.Serialization;

namespace k8s.Models;

/// <summary>The thresholds a canary must meet at each step.</summary>
[Description("CanaryAnalysis holds the checks run over each step's interval on the canary pods' traffic (as the service proxy and ingress measure it) and on the pods themselves.")]
public sealed class V1alpha1CanaryAnalysis
{
    [JsonPropertyName("successRate")]
    [Description("SuccessRate is the lowest acceptable share of successful requests (or connections) to canary pods in the interval, in percent (default 99).")]
    public double? SuccessRate { get; set; }

    [JsonPropertyName("maxLatencyMs")]
    [Description("MaxLatencyMs is the highest acceptable 99th percentile latency of canary requests in the interval, in milliseconds (connect time through the service proxy, request time through the ingress). Unset means no latency check.")]
    public int? MaxLatencyMs { get; set; }

    [JsonPropertyName("maxRestarts")]
    [Description("MaxRestarts is the most container restarts the canary pods may have in total (default 0).")]
    public int? MaxRestarts { get; set; }

    [JsonPropertyName("failureLimit")]
    [Description("FailureLimit is how many failed checks abort the canary (default 2).")]
    public int? FailureLimit { get; set; }
}
