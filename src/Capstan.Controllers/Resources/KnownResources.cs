using Capstan.Client.Dynamic;

namespace Capstan.Controllers.Resources;

/// <summary>The built-in resources the workload controllers watch, so they need no discovery round trip to start.</summary>
internal static class KnownResources
{
    private static readonly string[] Verbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

    public static readonly ApiResource Pods = new("", "v1", "pods", "Pod", true, Verbs);

    public static readonly ApiResource Nodes = new("", "v1", "nodes", "Node", false, Verbs);

    public static readonly ApiResource ReplicaSets = new("apps", "v1", "replicasets", "ReplicaSet", true, Verbs);

    public static readonly ApiResource Deployments = new("apps", "v1", "deployments", "Deployment", true, Verbs);

    public static readonly ApiResource StatefulSets = new("apps", "v1", "statefulsets", "StatefulSet", true, Verbs);

    public static readonly ApiResource Leases = new("coordination.k8s.io", "v1", "leases", "Lease", true, Verbs);

    public static readonly ApiResource PodDisruptionBudgets = new("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", true, Verbs);
}
