namespace Capstan.Controllers;

public sealed record ControllerManagerOptions
{
    /// <summary>Run the controllers only while holding the kube-system/capstan-controller-manager Lease (for several servers sharing a datastore).</summary>
    public bool LeaderElection { get; init; }

    public string LeaseName { get; init; } = "capstan-controller-manager";

    public string LeaseNamespace { get; init; } = "kube-system";

    public bool EnableNamespaceController { get; init; } = true;

    public bool EnableGarbageCollector { get; init; } = true;

    public bool EnableReplicaSetController { get; init; } = true;

    public bool EnableDeploymentController { get; init; } = true;

    public bool EnableStatefulSetController { get; init; } = true;

    public bool EnableDaemonSetController { get; init; } = true;

    public int StatefulSetWorkers { get; init; } = 5;

    public int DaemonSetWorkers { get; init; } = 2;

    public bool EnableNodeLifecycleController { get; init; } = true;

    /// <summary>The taint manager: deletes pods from nodes with NoExecute taints they do not tolerate.</summary>
    public bool EnableTaintEvictionController { get; init; } = true;

    public bool EnablePodGarbageCollector { get; init; } = true;

    /// <summary>Keeps PodDisruptionBudget status, which the eviction API reads.</summary>
    public bool EnableDisruptionController { get; init; } = true;

    /// <summary>The PV/PVC binder, pvc- and pv-protection and ephemeral volume controllers.</summary>
    public bool EnableVolumeControllers { get; init; } = true;

    /// <summary>Capstan's automatic rollback for every Deployment; the annotation capstan.io/rollback-on-failure: "false" opts one out.</summary>
    public bool AutoRollbackByDefault { get; init; }

    public int NamespaceWorkers { get; init; } = 2;

    /// <summary>Kubernetes' --concurrent-replicaset-syncs.</summary>
    public int ReplicaSetWorkers { get; init; } = 5;

    /// <summary>Kubernetes' --concurrent-deployment-syncs.</summary>
    public int DeploymentWorkers { get; init; } = 5;

    public int NodeLifecycleWorkers { get; init; } = 2;

    public int TaintEvictionWorkers { get; init; } = 4;

    public int DisruptionWorkers { get; init; } = 2;

    /// <summary>--node-monitor-grace-period, --node-startup-grace-period and --node-monitor-period.</summary>
    public NodeLifecycle.NodeLifecycleOptions NodeLifecycle { get; init; } = new();

    /// <summary>--terminated-pod-gc-threshold and the collector's period.</summary>
    public PodGarbageCollector.PodGarbageCollectorOptions PodGarbageCollector { get; init; } = new();

    public int GarbageCollectorWorkers { get; init; } = 4;

    public TimeProvider? TimeProvider { get; init; }
}
