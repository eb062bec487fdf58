using System.ComponentModel;
using System.Text.Json.Serialization;

namespace k8s.Models;

/// <summary>What a Canary releases, where its traffic goes and how it is judged.</summary>
[Description("CanarySpec describes the Deployment a canary releases, the Service (and Ingress) whose traffic is shifted, the traffic steps and the checks.")]
public sealed class V1alpha1CanarySpec
{
    [JsonPropertyName("targetRef")]
    [JsonRequired]
    [Description("TargetRef names the Deployment in the canary's namespace whose template changes are released progressively.")]
    public V1alpha1CanaryTargetReference? TargetRef { get; set; }

    [JsonPropertyName("service")]
    [JsonRequired]
    [Description("Service is the name of the Service selecting the Deployment's pods; the service proxy splits its connections between the stable and canary pods.")]
    public string? Service { get; set; }

    [JsonPropertyName("ingress")]
    [Description("Ingress optionally names an Ingress routing to the Service; the ingress controller splits its requests with the same weights and its HTTP figures feed the analysis.")]
    public string? Ingress { get; set; }

    [JsonPropertyName("steps")]
    [Description("Steps are the canary's traffic weights in percent, strictly increasing, each between 1 and 100 (default 10, 25, 50, 100). Each is held for one interval and checked.")]
    public IList<int>? Steps { get; set; }

    [JsonPropertyName("interval")]
    [Description("Interval is how long each step runs before it is judged, a duration such as \"30s\" or \"1m\" (default 30s).")]
    public string? Interval { get; set; }

    [JsonPropertyName("analysis")]
    [Description("Analysis holds the thresholds the canary must meet at every step.")]
    public V1alpha1CanaryAnalysis? Analysis { get; set; }
}
