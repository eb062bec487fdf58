namespace Capstan.Controllers.Deployment;

/// <summary>What the rollout arithmetic needs of a ReplicaSet: its name, spec.replicas, status.availableReplicas and age.</summary>
internal sealed record ReplicaSetView(string Name, int Replicas, int AvailableReplicas, DateTimeOffset Created);
