using System.ComponentModel;
using System.Text.Json.Serialization;

// Declared in the client's model namespace on purpose: the schema walker (ModelSchema), OpenAPI, strategic merge patch,
// server-side apply and unknown-field detection treat k8s.Models classes with [JsonPropertyName] as models, so a kind of
// our own written in that shape is served exactly like the built-in ones without a second code path.
namespace k8s.Models;

/// <summary>A progressive canary release of a Deployment: traffic to a Service (and optionally an Ingress) moves to the new version in steps, checked at each step.</summary>
[KubernetesEntity(Group = "rollouts.capstan.io", ApiVersion = "v1alpha1", Kind = "Canary", PluralName = "canaries")]
[Description("Canary releases a new version of a Deployment progressively: when the Deployment's pod template changes, the new version runs beside the stable one and receives a growing share of the Service's traffic, step by step, while its success rate, latency and restarts are checked; it is promoted when every step passes and rolled back when checks fail.")]
public sealed class V1alpha1Canary
{
    public const string KubeApiVersion = "v1alpha1";
    public const string KubeKind = "Canary";
    public const string KubeGroup = "rollouts.capstan.io";
    public const string KubePluralName = "canaries";

    [JsonPropertyName("apiVersion")]
    [Description("APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values.")]
    public string? ApiVersion { get; set; }

    [JsonPropertyName("kind")]
    [Description("Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase.")]
    public string? Kind { get; set; }

    [JsonPropertyName("metadata")]
    [Description("Standard object's metadata.")]
    public V1ObjectMeta? Metadata { get; set; }

    [JsonPropertyName("spec")]
    [Description("Spec is the desired behaviour of the canary release.")]
    public V1alpha1CanarySpec? Spec { get; set; }

    [JsonPropertyName("status")]
    [Description("Status is the observed state of the canary release. Read-only.")]
    public V1alpha1CanaryStatus? Status { get; set; }
}
