using System.Collections.Frozen;
using k8s.Models;

namespace Capstan.Api.Registry;

/// <summary>The built-in resources Capstan serves, looked up by group/version/plural or group/kind.</summary>
public sealed class ResourceRegistry
{
    private static readonly string[] All = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
    private static readonly string[] NoCollectionDelete = ["create", "delete", "get", "list", "patch", "update", "watch"];
    private static readonly string[] CreateOnly = ["create"];

    private readonly FrozenDictionary<string, ResourceInfo> _byPath;
    private readonly FrozenDictionary<string, ResourceInfo> _byKind;

    public ResourceRegistry(IEnumerable<ResourceInfo> resources)
    {
        Resources = resources.ToArray();
        _byPath = Resources.ToFrozenDictionary(r => PathKey(r.Group, r.Version, r.Plural));
        _byKind = Resources
            .GroupBy(r => KindKey(r.Group, r.Kind))
            .ToFrozenDictionary(g => g.Key, g => g.First());
    }

    public static ResourceRegistry BuiltIn { get; } = new(BuiltInResources());

    public IReadOnlyList<ResourceInfo> Resources { get; }

    /// <summary>Groups in the order discovery lists them, each with its versions (preferred first).</summary>
    public IEnumerable<(string Group, IReadOnlyList<string> Versions)> Groups =>
        Resources.Where(r => r.Group.Length > 0)
            .GroupBy(r => r.Group)
            .Select(g => (g.Key, (IReadOnlyList<string>)g.Select(r => r.Version).Distinct().ToArray()));

    public ResourceInfo? Find(string group, string version, string plural) =>
        _byPath.GetValueOrDefault(PathKey(group, version, plural));

    public ResourceInfo? FindKind(string group, string kind) =>
        _byKind.GetValueOrDefault(KindKey(group, kind));

    /// <summary>Looks a resource up by an object's apiVersion ("v1", "apps/v1") and kind.</summary>
    public ResourceInfo? FindByApiVersionKind(string apiVersion, string kind)
    {
        var slash = apiVersion.IndexOf('/');
        var group = slash < 0 ? "" : apiVersion[..slash];
        var version = slash < 0 ? apiVersion : apiVersion[(slash + 1)..];
        var info = FindKind(group, kind);
        return info is not null && info.Version == version ? info : null;
    }

    public IEnumerable<ResourceInfo> InGroupVersion(string group, string version) =>
        Resources.Where(r => r.Group == group && r.Version == version);

    private static string PathKey(string group, string version, string plural) => $"{group}/{version}/{plural}";

    private static string KindKey(string group, string kind) => $"{group}/{kind}";

    private static ResourceInfo R(string group, string version, string kind, string plural, bool namespaced, Type model,
        string[]? shortNames = null, string[]? categories = null, string[]? subresources = null, string[]? verbs = null) =>
        new(group, version, kind, plural, kind.ToLowerInvariant(), namespaced, verbs ?? All, shortNames ?? [], categories ?? [], subresources ?? [], model);

    private static IEnumerable<ResourceInfo> BuiltInResources()
    {
        string[] all = ["all"];
        string[] status = ["status"];
        string[] statusScale = ["status", "scale"];

        // core/v1
        yield return R("", "v1", "Namespace", "namespaces", false, typeof(V1Namespace), ["ns"], subresources: ["status", "finalize"], verbs: NoCollectionDelete);
        yield return R("", "v1", "Pod", "pods", true, typeof(V1Pod), ["po"], all, ["status", "binding", "eviction", "log", "exec", "attach", "portforward"]);
        yield return R("", "v1", "Node", "nodes", false, typeof(V1Node), ["no"], subresources: ["status", "proxy"]);
        yield return R("", "v1", "Service", "services", true, typeof(V1Service), ["svc"], all, ["status", "proxy"]);
        yield return R("", "v1", "Endpoints", "endpoints", true, typeof(V1Endpoints), ["ep"]);
        yield return R("", "v1", "ConfigMap", "configmaps", true, typeof(V1ConfigMap), ["cm"]);
        yield return R("", "v1", "Secret", "secrets", true, typeof(V1Secret));
        yield return R("", "v1", "ServiceAccount", "serviceaccounts", true, typeof(V1ServiceAccount), ["sa"], subresources: ["token"]);
        yield return R("", "v1", "Event", "events", true, typeof(Corev1Event), ["ev"]);
        yield return R("", "v1", "PersistentVolume", "persistentvolumes", false, typeof(V1PersistentVolume), ["pv"], subresources: status);
        yield return R("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", true, typeof(V1PersistentVolumeClaim), ["pvc"], subresources: status);
        yield return R("", "v1", "ResourceQuota", "resourcequotas", true, typeof(V1ResourceQuota), ["quota"], subresources: status);
        yield return R("", "v1", "LimitRange", "limitranges", true, typeof(V1LimitRange), ["limits"]);

        // apps/v1
        yield return R("apps", "v1", "Deployment", "deployments", true, typeof(V1Deployment), ["deploy"], all, statusScale);
        yield return R("apps", "v1", "ReplicaSet", "replicasets", true, typeof(V1ReplicaSet), ["rs"], all, statusScale);
        yield return R("apps", "v1", "StatefulSet", "statefulsets", true, typeof(V1StatefulSet), ["sts"], all, statusScale);
        yield return R("apps", "v1", "DaemonSet", "daemonsets", true, typeof(V1DaemonSet), ["ds"], all, status);
        yield return R("apps", "v1", "ControllerRevision", "controllerrevisions", true, typeof(V1ControllerRevision));

        // batch/v1
        yield return R("batch", "v1", "Job", "jobs", true, typeof(V1Job), categories: all, subresources: status);
        yield return R("batch", "v1", "CronJob", "cronjobs", true, typeof(V1CronJob), ["cj"], all, status);

        // autoscaling/v2
        yield return R("autoscaling", "v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers", true, typeof(V2HorizontalPodAutoscaler), ["hpa"], all, status);

        // networking.k8s.io/v1
        yield return R("networking.k8s.io", "v1", "Ingress", "ingresses", true, typeof(V1Ingress), ["ing"], subresources: status);
        yield return R("networking.k8s.io", "v1", "IngressClass", "ingressclasses", false, typeof(V1IngressClass));
        yield return R("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", true, typeof(V1NetworkPolicy), ["netpol"]);

        // storage.k8s.io/v1
        yield return R("storage.k8s.io", "v1", "StorageClass", "storageclasses", false, typeof(V1StorageClass), ["sc"]);
        yield return R("storage.k8s.io", "v1", "CSINode", "csinodes", false, typeof(V1CSINode));

        // coordination.k8s.io/v1
        yield return R("coordination.k8s.io", "v1", "Lease", "leases", true, typeof(V1Lease));

        // certificates.k8s.io/v1
        yield return R("certificates.k8s.io", "v1", "CertificateSigningRequest", "certificatesigningrequests", false, typeof(V1CertificateSigningRequest), ["csr"], subresources: ["status", "approval"]);

        // discovery.k8s.io/v1
        yield return R("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices", true, typeof(V1EndpointSlice));

        // rbac.authorization.k8s.io/v1
        yield return R("rbac.authorization.k8s.io", "v1", "Role", "roles", true, typeof(V1Role));
        yield return R("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", true, typeof(V1RoleBinding));
        yield return R("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", false, typeof(V1ClusterRole));
        yield return R("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", false, typeof(V1ClusterRoleBinding));

        // events.k8s.io/v1
        yield return R("events.k8s.io", "v1", "Event", "events", true, typeof(Eventsv1Event), ["ev"]);

        // policy/v1
        yield return R("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", true, typeof(V1PodDisruptionBudget), ["pdb"], subresources: status);

        // scheduling.k8s.io/v1
        yield return R("scheduling.k8s.io", "v1", "PriorityClass", "priorityclasses", false, typeof(V1PriorityClass), ["pc"]);

        // node.k8s.io/v1
        yield return R("node.k8s.io", "v1", "RuntimeClass", "runtimeclasses", false, typeof(V1RuntimeClass));

        // rollouts.capstan.io/v1alpha1: Capstan's own progressive canary (Kinds/Rollouts)
        yield return R("rollouts.capstan.io", "v1alpha1", "Canary", "canaries", true, typeof(V1alpha1Canary), ["can"], all, status);

        // authorization.k8s.io/v1 and authentication.k8s.io/v1: reviews, answered and not stored
        yield return R("authorization.k8s.io", "v1", "SelfSubjectAccessReview", "selfsubjectaccessreviews", false, typeof(V1SelfSubjectAccessReview), verbs: CreateOnly);
        yield return R("authorization.k8s.io", "v1", "SelfSubjectRulesReview", "selfsubjectrulesreviews", false, typeof(V1SelfSubjectRulesReview), verbs: CreateOnly);
        yield return R("authorization.k8s.io", "v1", "SubjectAccessReview", "subjectaccessreviews", false, typeof(V1SubjectAccessReview), verbs: CreateOnly);
        yield return R("authorization.k8s.io", "v1", "LocalSubjectAccessReview", "localsubjectaccessreviews", true, typeof(V1LocalSubjectAccessReview), verbs: CreateOnly);
        yield return R("authentication.k8s.io", "v1", "SelfSubjectReview", "selfsubjectreviews", false, typeof(V1SelfSubjectReview), verbs: CreateOnly);
        yield return R("authentication.k8s.io", "v1", "TokenReview", "tokenreviews", false, typeof(V1TokenReview), verbs: CreateOnly);
    }
}
