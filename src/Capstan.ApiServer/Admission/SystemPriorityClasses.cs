using System.Text.Json.Nodes;

namespace Capstan.ApiServer.Admission;

/// <summary>
/// The two PriorityClasses every Kubernetes cluster has (the API server's bootstrap-system-priority-classes hook):
/// system-node-critical and system-cluster-critical. <see cref="Build"/> gives them for <c>Bootstrap.EnsureAsync</c>.
/// </summary>
public static class SystemPriorityClasses
{
    public const string NodeCritical = "system-node-critical";
    public const string ClusterCritical = "system-cluster-critical";

    /// <summary>Kubernetes' SystemCriticalPriority (2e9) and the node-critical class 1000 above it.</summary>
    public static readonly IReadOnlyDictionary<string, long> Values = new Dictionary<string, long>
    {
        [NodeCritical] = 2000001000,
        [ClusterCritical] = 2000000000,
    };

    public static IEnumerable<JsonObject> Build()
    {
        yield return Class(NodeCritical, "Used for system critical pods that must not be moved from their current node.");
        yield return Class(ClusterCritical, "Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.");
    }

    private static JsonObject Class(string name, string description) => new()
    {
        ["apiVersion"] = "scheduling.k8s.io/v1",
        ["kind"] = "PriorityClass",
        ["metadata"] = new JsonObject { ["name"] = name },
        ["value"] = Values[name],
        ["description"] = description,
        ["preemptionPolicy"] = PriorityAdmission.DefaultPreemptionPolicy,
    };
}
