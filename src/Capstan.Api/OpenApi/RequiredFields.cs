namespace Capstan.Api.OpenApi;

/// <summary>
/// Required object, list and string fields of the built-in types, as the API reference marks them.
/// The client models cannot say so for reference types (required scalars show as non-nullable value types instead),
/// so <c>kubectl explain</c> would print no "-required-" markers without this table.
/// </summary>
public static class RequiredFields
{
    private static readonly Dictionary<string, string[]> Table = new(StringComparer.Ordinal)
    {
        // core/v1
        ["V1Container"] = ["name"],
        ["V1EphemeralContainer"] = ["name"],
        ["V1PodSpec"] = ["containers"],
        ["V1Volume"] = ["name"],
        ["V1VolumeMount"] = ["mountPath", "name"],
        ["V1VolumeDevice"] = ["devicePath", "name"],
        ["V1EnvVar"] = ["name"],
        ["V1ConfigMapKeySelector"] = ["key"],
        ["V1SecretKeySelector"] = ["key"],
        ["V1ObjectFieldSelector"] = ["fieldPath"],
        ["V1ResourceFieldSelector"] = ["resource"],
        ["V1KeyToPath"] = ["key", "path"],
        ["V1DownwardAPIVolumeFile"] = ["path"],
        ["V1HTTPGetAction"] = ["port"],
        ["V1HTTPHeader"] = ["name", "value"],
        ["V1TCPSocketAction"] = ["port"],
        ["V1GRPCAction"] = ["port"],
        ["V1Sysctl"] = ["name", "value"],
        ["V1SeccompProfile"] = ["type"],
        ["V1AppArmorProfile"] = ["type"],
        ["V1HostAlias"] = ["ip"],
        ["V1PodReadinessGate"] = ["conditionType"],
        ["V1PodSchedulingGate"] = ["name"],
        ["V1PodResourceClaim"] = ["name"],
        ["Corev1ResourceClaim"] = ["name"],
        ["V1ContainerResizePolicy"] = ["resourceName", "restartPolicy"],
        ["V1PodCondition"] = ["status", "type"],
        ["V1ContainerStatus"] = ["image", "imageID", "name", "ready", "restartCount"],
        ["V1NodeSelector"] = ["nodeSelectorTerms"],
        ["V1NodeSelectorRequirement"] = ["key", "operator"],
        ["V1PreferredSchedulingTerm"] = ["preference", "weight"],
        ["V1PodAffinityTerm"] = ["topologyKey"],
        ["V1WeightedPodAffinityTerm"] = ["podAffinityTerm", "weight"],
        ["V1TopologySpreadConstraint"] = ["maxSkew", "topologyKey", "whenUnsatisfiable"],
        ["V1Taint"] = ["effect", "key"],
        ["V1NodeAddress"] = ["address", "type"],
        ["V1NodeCondition"] = ["status", "type"],
        ["V1ServicePort"] = ["port"],
        ["V1EndpointAddress"] = ["ip"],
        ["V1LimitRangeItem"] = ["type"],
        ["V1LimitRangeSpec"] = ["limits"],
        ["V1ScopedResourceSelectorRequirement"] = ["operator", "scopeName"],
        ["V1PersistentVolumeClaimCondition"] = ["status", "type"],
        ["V1NamespaceCondition"] = ["status", "type"],
        ["V1TopologySelectorLabelRequirement"] = ["key", "values"],
        ["V1TypedLocalObjectReference"] = ["kind", "name"],
        ["V1TypedObjectReference"] = ["kind", "name"],
        ["Corev1Event"] = ["involvedObject", "metadata"],
        ["V1HostPathVolumeSource"] = ["path"],
        ["V1NFSVolumeSource"] = ["path", "server"],
        ["V1PersistentVolumeClaimVolumeSource"] = ["claimName"],
        ["V1CSIVolumeSource"] = ["driver"],
        ["V1CSIPersistentVolumeSource"] = ["driver", "volumeHandle"],
        ["V1LocalVolumeSource"] = ["path"],
        ["V1ServiceAccountTokenProjection"] = ["path"],
        ["V1ClusterTrustBundleProjection"] = ["path"],

        // meta/v1
        ["V1LabelSelectorRequirement"] = ["key", "operator"],
        ["V1FieldSelectorRequirement"] = ["key", "operator"],
        ["V1OwnerReference"] = ["apiVersion", "kind", "name", "uid"],
        ["V1Condition"] = ["lastTransitionTime", "message", "reason", "status", "type"],
        ["V1WatchEvent"] = ["object", "type"],

        // apps/v1
        ["V1DeploymentSpec"] = ["selector", "template"],
        ["V1ReplicaSetSpec"] = ["selector"],
        ["V1StatefulSetSpec"] = ["selector", "template"],
        ["V1DaemonSetSpec"] = ["selector", "template"],
        ["V1ControllerRevision"] = ["revision"],
        ["V1DeploymentCondition"] = ["status", "type"],
        ["V1ReplicaSetCondition"] = ["status", "type"],
        ["V1StatefulSetCondition"] = ["status", "type"],
        ["V1DaemonSetCondition"] = ["status", "type"],

        // batch/v1
        ["V1JobSpec"] = ["template"],
        ["V1CronJobSpec"] = ["jobTemplate", "schedule"],
        ["V1JobCondition"] = ["status", "type"],
        ["V1PodFailurePolicy"] = ["rules"],
        ["V1PodFailurePolicyRule"] = ["action"],
        ["V1PodFailurePolicyOnExitCodesRequirement"] = ["operator", "values"],
        ["V1PodFailurePolicyOnPodConditionsPattern"] = ["status", "type"],
        ["V1SuccessPolicy"] = ["rules"],

        // autoscaling
        ["V2HorizontalPodAutoscalerSpec"] = ["maxReplicas", "scaleTargetRef"],
        ["V2CrossVersionObjectReference"] = ["kind", "name"],
        ["V2MetricSpec"] = ["type"],
        ["V2MetricStatus"] = ["type"],
        ["V2MetricTarget"] = ["type"],
        ["V2MetricIdentifier"] = ["name"],
        ["V2ResourceMetricSource"] = ["name", "target"],
        ["V2ContainerResourceMetricSource"] = ["container", "name", "target"],
        ["V2PodsMetricSource"] = ["metric", "target"],
        ["V2ObjectMetricSource"] = ["describedObject", "metric", "target"],
        ["V2ExternalMetricSource"] = ["metric", "target"],
        ["V2HPAScalingPolicy"] = ["periodSeconds", "type", "value"],
        ["V2HorizontalPodAutoscalerCondition"] = ["status", "type"],
        ["V2HorizontalPodAutoscalerStatus"] = ["desiredReplicas"],
        ["V1CrossVersionObjectReference"] = ["kind", "name"],

        // networking.k8s.io/v1
        ["V1HTTPIngressRuleValue"] = ["paths"],
        ["V1HTTPIngressPath"] = ["backend", "pathType"],
        ["V1IngressServiceBackend"] = ["name"],
        ["V1IngressClassParametersReference"] = ["kind", "name"],
        ["V1IPBlock"] = ["cidr"],
        ["V1IngressPortStatus"] = ["port", "protocol"],

        // discovery.k8s.io/v1
        ["V1EndpointSlice"] = ["addressType", "endpoints"],
        ["V1Endpoint"] = ["addresses"],
        ["V1ForZone"] = ["name"],
        ["V1ForNode"] = ["name"],

        // rbac.authorization.k8s.io/v1
        ["V1PolicyRule"] = ["verbs"],
        ["V1RoleRef"] = ["apiGroup", "kind", "name"],
        ["Rbacv1Subject"] = ["kind", "name"],
        ["V1RoleBinding"] = ["roleRef"],
        ["V1ClusterRoleBinding"] = ["roleRef"],

        // others
        ["V1StorageClass"] = ["provisioner"],
        ["V1CSINode"] = ["spec"],
        ["V1CSINodeSpec"] = ["drivers"],
        ["V1CSINodeDriver"] = ["name", "nodeID"],
        ["V1PriorityClass"] = ["value"],
        ["V1RuntimeClass"] = ["handler"],
        ["Eventsv1Event"] = ["eventTime"],
        ["Eventsv1EventSeries"] = ["count", "lastObservedTime"],
        ["V1SubjectAccessReview"] = ["spec"],
        ["V1SelfSubjectAccessReview"] = ["spec"],
        ["V1LocalSubjectAccessReview"] = ["spec"],
        ["V1SelfSubjectRulesReview"] = ["spec"],
        ["V1TokenReview"] = ["spec"],
        ["V1SubjectAccessReviewStatus"] = ["allowed"],
        ["V1SubjectRulesReviewStatus"] = ["incomplete", "nonResourceRules", "resourceRules"],
        ["V1ResourceRule"] = ["verbs"],
        ["V1NonResourceRule"] = ["verbs"],
    };

    /// <summary>Every (model class name, json field) the table holds.</summary>
    internal static IEnumerable<(string Type, string Field)> Entries => Table.SelectMany(e => e.Value.Select(f => (e.Key, f)));

    /// <summary>True when the API reference marks <paramref name="jsonName"/> of <paramref name="modelType"/> required.</summary>
    public static bool IsRequired(Type modelType, string jsonName) =>
        Table.TryGetValue(modelType.Name, out var fields) && fields.Contains(jsonName, StringComparer.Ordinal);
}
