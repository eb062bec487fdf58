using System.ComponentModel;
using System.Text.Json.Serialization;

namespace k8s.Models;

/// <summary>A list of Canaries.</summary>
[KubernetesEntity(Group = "rollouts.capstan.io", ApiVersion = "v1alpha1", Kind = "CanaryList", PluralName = "canaries")]
[Description("CanaryList is a list of Canary objects.")]
public sealed class V1alpha1CanaryList
{
    [JsonPropertyName("apiVersion")]
    public string? ApiVersion { get; set; }

    [JsonPropertyName("kind")]
    public string? Kind { get; set; }

    [JsonPropertyName("metadata")]
    public V1ListMeta? Metadata { get; set; }

    [JsonPropertyName("items")]
    [JsonRequired]
    public IList<V1alpha1Canary> Items { get; set; } = [];
}
