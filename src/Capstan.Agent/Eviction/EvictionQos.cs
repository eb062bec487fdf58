using System.Text.Json.Nodes;
using Capstan.Api.Kinds.Core;
using k8s;
using k8s.Models;

namespace Capstan.Agent.Eviction;

/// <summary>A pod's QoS class: status.qosClass when set, else computed from its spec the way the API server does.</summary>
internal static class EvictionQos
{
    public const string BestEffort = "BestEffort";
    public const string Burstable = "Burstable";
    public const string Guaranteed = "Guaranteed";

    public static string Of(V1Pod pod) =>
        pod.Status?.QosClass is { Length: > 0 } qos ? qos : PodQos.Compute(JsonNode.Parse(KubernetesJson.Serialize(pod.Spec))!.AsObject());

    /// <summary>0 for BestEffort, 1 for Burstable, 2 for Guaranteed: the order pods go in when usage is not known.</summary>
    public static int Rank(string qos) => qos switch
    {
        BestEffort => 0,
        Burstable => 1,
        _ => 2,
    };
}
