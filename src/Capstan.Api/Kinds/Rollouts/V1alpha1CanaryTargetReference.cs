using System.ComponentModel;
using System.Text.Json.Serialization;

namespace k8s.Models;

/// <summary>The workload a Canary releases.</summary>
[Description("CanaryTargetReference identifies the workload a canary releases.")]
public sealed class V1alpha1CanaryTargetReference
{
    [JsonPropertyName("apiVersion")]
    [Description("APIVersion of the target (default apps/v1).")]
    public string? ApiVersion { get; set; }

    [JsonPropertyName("kind")]
    [Description("Kind of the target; only Deployment is supported (the default).")]
    public string? Kind { get; set; }

    [JsonPropertyName("name")]
    [JsonRequired]
    [Description("Name of the target in the canary's namespace.")]
    public string? Name { get; set; }
}
