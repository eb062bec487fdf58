using System.ComponentModel;
using System.Text.Json.Serialization;

namespace k8s.Models;

/// <summary>Where a canary release stands.</summary>
[Description("CanaryStatus is the observed state of a canary release.")]
public sealed class V1alpha1CanaryStatus
{
    [JsonPropertyName("observedGeneration")]
    [Description("The generation of the canary the controller last acted on.")]
    public long? ObservedGeneration { get; set; }

    [JsonPropertyName("phase")]
    [Description("Phase is Initializing (taking the Deployment's current template as stable), Waiting (no release in progress), Progressing (shifting traffic step by step), Promoting (the stable Deployment takes the new template), Succeeded, Failed (checks failed; rolled back) or Aborted (aborted by hand; rolled back).")]
    public string? Phase { get; set; }

    [JsonPropertyName("currentStep")]
    [Description("CurrentStep is the index in spec.steps of the step running now.")]
    public int? CurrentStep { get; set; }

    [JsonPropertyName("canaryWeight")]
    [Description("CanaryWeight is the share of traffic, in percent, sent to the canary pods now.")]
    public int? CanaryWeight { get; set; }

    [JsonPropertyName("failedChecks")]
    [Description("FailedChecks counts the failed checks of the release in progress.")]
    public int? FailedChecks { get; set; }

    [JsonPropertyName("stableRevision")]
    [Description("StableRevision is the pod-template-hash of the stable version.")]
    public string? StableRevision { get; set; }

    [JsonPropertyName("canaryRevision")]
    [Description("CanaryRevision is the pod-template-hash of the version being released.")]
    public string? CanaryRevision { get; set; }

    [JsonPropertyName("stepStartTime")]
    [Description("StepStartTime is when the current step began.")]
    public DateTime? StepStartTime { get; set; }

    [JsonPropertyName("message")]
    [Description("Message says, for people, what the release is doing or why it stopped.")]
    public string? Message { get; set; }

    [JsonPropertyName("conditions")]
    [Description("Conditions: Promoted (True once a release completed; False with the reason when one failed).")]
    public IList<V1Condition>? Conditions { get; set; }
}
