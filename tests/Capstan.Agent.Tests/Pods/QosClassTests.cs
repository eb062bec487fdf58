using System.Text.Json.Nodes;
using Capstan.Api.Kinds.Core;
using k8s;
using k8s.Models;

namespace Capstan.Agent.Tests.Pods;

/// <summary>The QoS class the agent reports when the pod has none yet, computed as it does from the typed spec.</summary>
public sealed class QosClassTests
{
    private static string Qos(params (string? Requests, string? Limits)[] containers)
    {
        static Dictionary<string, ResourceQuantity>? Map(string? cpuAndMemory) =>
            cpuAndMemory is null ? null : new() { ["cpu"] = new(cpuAndMemory.Split('/')[0]), ["memory"] = new(cpuAndMemory.Split('/')[1]) };
        var spec = new V1PodSpec
        {
            Containers = [.. containers.Select((c, i) => new V1Container
            {
                Name = "c" + i,
                Resources = new V1ResourceRequirements { Requests = Map(c.Requests), Limits = Map(c.Limits) },
            })],
        };
        return PodQos.Compute(JsonNode.Parse(KubernetesJson.Serialize(spec))!.AsObject());
    }

    [Fact]
    public void Compute_NoResources_BestEffort() => Assert.Equal("BestEffort", Qos((null, null)));

    [Fact]
    public void Compute_LimitsEqualRequests_Guaranteed() => Assert.Equal("Guaranteed", Qos(("500m/128Mi", "500m/128Mi"), ("1/1Gi", "1/1Gi")));

    [Fact]
    public void Compute_RequestsBelowLimits_Burstable() => Assert.Equal("Burstable", Qos(("100m/64Mi", "500m/128Mi")));

    [Fact]
    public void Compute_OneContainerWithout_Burstable() => Assert.Equal("Burstable", Qos(("500m/128Mi", "500m/128Mi"), (null, null)));
}
