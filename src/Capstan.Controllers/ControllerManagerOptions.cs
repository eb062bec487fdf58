namespace Capstan.Controllers;

public sealed record ControllerManagerOptions
{
    /// <summary>Run the controllers only while holding the kube-system/capstan-controller-manager Lease (for several servers sharing a datastore).</summary>
    public bool LeaderElection { get; init; }

    /// <summary>
    /// Informers shared with other components of this process (the scheduler), so the process keeps one cache of pods and
    /// nodes instead of one per component; the manager starts them but leaves disposing them to the owner. Only without
    /// <see cref="LeaderElection"/>: informers keep their handlers, so controllers must not stop and start again over them.
    /// </summary>
    public Capstan.Client.Informers.SharedInformerFactory? Informers { get; init; }

    public string LeaseName { get; init; } = "capstan-controller-manager";

    public string LeaseNamespace { get; init; } = "kube-system";

    public bool EnableNamespaceController { get; init; } = true;

    public bool EnableGarbageCollector { get; init; } = true;

    public bool EnableReplicaSetController { get; init; } = true;

    public bool EnableDeploymentController { get; init; } = true;

    /// <summary>Progressive canaries (rollouts.capstan.io Canary); <see cref="CanaryMetrics"/> is where the analysis reads traffic (default: this host's proxy and ingress /metrics).</summary>
    public bool EnableCanaryController { get; init; } = true;

    public Canary.ICanaryMetrics? CanaryMetrics { get; init; }

    public bool EnableStatefulSetController { get; init; } = true;

    public bool EnableDaemonSetController { get; init; } = true;

    public int StatefulSetWorkers { get; init; } = 5;

    public int DaemonSetWorkers { get; init; } = 2;

    public bool EnableNodeLifecycleController { get; init; } = true;

    /// <summary>The taint manager: deletes pods from nodes with NoExecute taints they do not tolerate.</summary>
    public bool EnableTaintEvictionController { get; init; } = true;

    public bool EnablePodGarbageCollector { get; init; } = true;

    /// <summary>Keeps ResourceQuota status (hard and used), which quota admission charges against.</summary>
    public bool EnableResourceQuotaController { get; init; } = true;

    /// <summary>Keeps PodDisruptionBudget status, which the eviction API reads.</summary>
    public bool EnableDisruptionController { get; init; } = true;

    /// <summary>Creates the <c>default</c> ServiceAccount in every namespace.</summary>
    public bool EnableServiceAccountController { get; init; } = true;

    /// <summary>The cluster CA (PEM) the root-CA publisher puts in every namespace's kube-root-ca.crt ConfigMap; null runs no publisher.</summary>
    public string? RootCaPem { get; init; }
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

    /// <summary>Keeps core/v1 Endpoints for Services with a selector.</summary>
    public bool EnableEndpointsController { get; init; } = true;

    /// <summary>Keeps discovery.k8s.io/v1 EndpointSlices for Services with a selector.</summary>
    public bool EnableEndpointSliceController { get; init; } = true;

    /// <summary>Mirrors user-managed Endpoints of selector-less Services into EndpointSlices.</summary>
    public bool EnableEndpointSliceMirroringController { get; init; } = true;

    /// <summary>ServiceLB: node addresses as the load balancer ingress of LoadBalancer Services without a loadBalancerClass.</summary>
    public bool EnableServiceLoadBalancerController { get; init; } = true;

    /// <summary>Kubernetes' --concurrent-endpoint-syncs.</summary>
    public int EndpointsWorkers { get; init; } = 5;

    /// <summary>Kubernetes' --concurrent-service-endpoint-syncs.</summary>
    public int EndpointSliceWorkers { get; init; } = 5;

    /// <summary>Kubernetes' --max-endpoints-per-slice.</summary>
    public int MaxEndpointsPerSlice { get; init; } = 100;

    /// <summary>Kubernetes' --mirroring-concurrent-service-endpoint-syncs.</summary>
    public int EndpointSliceMirroringWorkers { get; init; } = 5;

    public int ServiceLoadBalancerWorkers { get; init; } = 2;

    /// <summary>
    /// Where clients reach the API server (its advertise address and port): when set, default/kubernetes gets Endpoints and an
    /// EndpointSlice listing it, as Kubernetes' API server keeps them. Null leaves them alone.
    /// </summary>
    public System.Net.IPEndPoint? KubernetesServiceEndpoint { get; init; }

    /// <summary>The cluster CA's certificate and key PEM files the CSR signer issues from (--cluster-signing-cert-file/-key-file); null runs no signer.</summary>
    public (string CertificateFile, string KeyFile)? ClusterSigning { get; init; }

    public TimeProvider? TimeProvider { get; init; }
}
