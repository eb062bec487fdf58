using k8s.Models;

namespace Capstan.ApiServer.Security;

/// <summary>
/// The default RBAC objects a Kubernetes API server creates at start (the rules are Kubernetes' bootstrap policy for the
/// resources Capstan serves; the legacy <c>extensions</c> group is left out). Every object is labelled
/// <c>kubernetes.io/bootstrapping: rbac-defaults</c> and annotated <c>rbac.authorization.kubernetes.io/autoupdate: "true"</c>:
/// the server should create missing ones at every start and, where the annotation is still "true", reconcile them back.
/// <para>Where Capstan differs from Kubernetes, on purpose:</para>
/// <list type="bullet">
/// <item>ClusterRole <c>system:node</c> is bound to group <c>system:nodes</c> (Kubernetes stopped binding it); it grants no
/// Secrets, ConfigMaps, PersistentVolumeClaims or PersistentVolumes: the Node authorizer allows a node to get those of its
/// own pods only (see <c>Authorization.Node.NodeAuthorizer</c>); agents also run the service proxy, so
/// <c>system:node-proxier</c> is bound to <c>system:nodes</c> as well;</item>
/// <item>the join token's user (group <c>system:bootstrappers</c>) gets <c>system:node-bootstrapper</c> (kubeadm's
/// <c>kubeadm:kubelet-bootstrap</c> binding);</item>
/// <item>the controller manager runs all controllers as one user (<c>system:kube-controller-manager</c>) rather than one
/// service account per controller, so its role is the union of Kubernetes' per-controller roles: read and write on every
/// resource (no impersonate or bind), plus <c>escalate</c> on clusterroles for the aggregation controller;</item>
/// <item>leader-election Lease rules are not restricted to Kubernetes' lease names.</item>
/// </list>
/// The aggregated roles <c>admin</c>, <c>edit</c> and <c>view</c> come with their rules already aggregated, so they work
/// before any aggregation controller has run.
/// </summary>
public static class BootstrapPolicy
{
    public const string BootstrappingLabel = "kubernetes.io/bootstrapping";
    public const string BootstrappingLabelValue = "rbac-defaults";
    public const string AutoupdateAnnotation = "rbac.authorization.kubernetes.io/autoupdate";
    public const string AggregateToAdminLabel = "rbac.authorization.k8s.io/aggregate-to-admin";
    public const string AggregateToEditLabel = "rbac.authorization.k8s.io/aggregate-to-edit";
    /// <summary>The built-in ingress controller's role, and the user name it runs as in `capstan server`.</summary>
    public const string IngressControllerRole = "system:capstan:ingress-controller";
    public const string AggregateToViewLabel = "rbac.authorization.k8s.io/aggregate-to-view";

    private const string RbacGroup = "rbac.authorization.k8s.io";

    private static readonly string[] s_read = ["get", "list", "watch"];
    private static readonly string[] s_write = ["create", "delete", "deletecollection", "patch", "update"];
    private static readonly string[] s_readWrite = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
    private static readonly string[] s_eventWrite = ["create", "patch", "update"];

    /// <summary>Fresh copies of the default ClusterRoles (safe to mutate).</summary>
    public static IReadOnlyList<V1ClusterRole> ClusterRoles()
    {
        var roles = new List<V1ClusterRole>
        {
            Role("cluster-admin", null,
                Rule(["*"], ["*"], ["*"]),
                Urls(["*"], "*")),
            Aggregated("admin", AggregateToAdminLabel, labels: null),
            Aggregated("edit", AggregateToEditLabel, labels: new() { [AggregateToAdminLabel] = "true" }),
            Aggregated("view", AggregateToViewLabel, labels: new() { [AggregateToEditLabel] = "true" }),
            Role("system:aggregate-to-admin", new() { [AggregateToAdminLabel] = "true" },
                Rule(["create"], ["authorization.k8s.io"], ["localsubjectaccessreviews"]),
                Rule(s_readWrite, [RbacGroup], ["rolebindings", "roles"])),
            Role("system:aggregate-to-edit", new() { [AggregateToEditLabel] = "true" },
                Rule(s_read, [""], ["pods/attach", "pods/exec", "pods/portforward", "pods/proxy", "secrets", "services/proxy"]),
                Rule(["impersonate"], [""], ["serviceaccounts"]),
                Rule(s_write, [""], ["pods", "pods/attach", "pods/exec", "pods/portforward", "pods/proxy"]),
                Rule(["create"], [""], ["pods/eviction"]),
                Rule(s_write, [""], ["configmaps", "events", "persistentvolumeclaims", "replicationcontrollers", "replicationcontrollers/scale", "secrets", "serviceaccounts", "services", "services/proxy"]),
                Rule(["create"], [""], ["serviceaccounts/token"]),
                Rule(s_write, ["apps"], ["daemonsets", "deployments", "deployments/rollback", "deployments/scale", "replicasets", "replicasets/scale", "statefulsets", "statefulsets/scale"]),
                Rule(s_write, ["autoscaling"], ["horizontalpodautoscalers"]),
                Rule(s_write, ["batch"], ["cronjobs", "jobs"]),
                Rule(s_write, ["policy"], ["poddisruptionbudgets"]),
                Rule(s_write, ["networking.k8s.io"], ["ingresses", "networkpolicies"]),
                Rule(s_readWrite, ["coordination.k8s.io"], ["leases"])),
            Role("system:aggregate-to-view", new() { [AggregateToViewLabel] = "true" },
                Rule(s_read, [""], ["configmaps", "endpoints", "persistentvolumeclaims", "persistentvolumeclaims/status", "pods", "replicationcontrollers", "replicationcontrollers/scale", "serviceaccounts", "services", "services/status"]),
                Rule(s_read, [""], ["bindings", "events", "limitranges", "namespaces/status", "pods/log", "pods/status", "replicationcontrollers/status", "resourcequotas", "resourcequotas/status"]),
                Rule(s_read, [""], ["namespaces"]),
                Rule(s_read, ["discovery.k8s.io"], ["endpointslices"]),
                Rule(s_read, ["apps"], ["controllerrevisions", "daemonsets", "daemonsets/status", "deployments", "deployments/scale", "deployments/status", "replicasets", "replicasets/scale", "replicasets/status", "statefulsets", "statefulsets/scale", "statefulsets/status"]),
                Rule(s_read, ["autoscaling"], ["horizontalpodautoscalers", "horizontalpodautoscalers/status"]),
                Rule(s_read, ["batch"], ["cronjobs", "cronjobs/status", "jobs", "jobs/status"]),
                Rule(s_read, ["policy"], ["poddisruptionbudgets", "poddisruptionbudgets/status"]),
                Rule(s_read, ["networking.k8s.io"], ["ingresses", "ingresses/status", "networkpolicies"])),
            Role("system:discovery", null,
                Urls(["get"], "/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi", "/openapi/*", "/readyz", "/version", "/version/")),
            Role("system:basic-user", null,
                Rule(["create"], ["authorization.k8s.io"], ["selfsubjectaccessreviews", "selfsubjectrulesreviews"]),
                Rule(["create"], ["authentication.k8s.io"], ["selfsubjectreviews"])),
            Role("system:public-info-viewer", null,
                Urls(["get"], "/healthz", "/livez", "/readyz", "/version", "/version/")),
            Role("system:monitoring", null,
                Urls(["get"], "/healthz", "/healthz/*", "/livez", "/livez/*", "/metrics", "/metrics/slis", "/readyz", "/readyz/*")),
            Role("system:auth-delegator", null,
                Rule(["create"], ["authentication.k8s.io"], ["tokenreviews"]),
                Rule(["create"], ["authorization.k8s.io"], ["subjectaccessreviews"])),
            Role("system:service-account-issuer-discovery", null,
                Urls(["get"], "/.well-known/openid-configuration", "/openid/v1/jwks")),
            Role("system:node", null,
                Rule(["create"], ["authentication.k8s.io"], ["tokenreviews"]),
                Rule(["create"], ["authorization.k8s.io"], ["localsubjectaccessreviews", "subjectaccessreviews"]),
                Rule(s_read, [""], ["services"]),
                Rule(["create", "get", "list", "watch"], [""], ["nodes"]),
                Rule(["patch", "update"], [""], ["nodes/status"]),
                Rule(["patch", "update"], [""], ["nodes"]),
                Rule(s_eventWrite, [""], ["events"]),
                Rule(s_read, [""], ["pods"]),
                Rule(["create", "delete"], [""], ["pods"]),
                Rule(["patch", "update"], [""], ["pods/status"]),
                Rule(["create"], [""], ["pods/eviction"]),
                Rule(["get"], [""], ["endpoints"]),
                Rule(["create", "get", "list", "watch"], ["certificates.k8s.io"], ["certificatesigningrequests"]),
                Rule(["create", "delete", "get", "patch", "update"], ["coordination.k8s.io"], ["leases"]),
                Rule(["get"], ["storage.k8s.io"], ["volumeattachments"]),
                Rule(["create"], [""], ["serviceaccounts/token"]),
                Rule(["get", "patch", "update"], [""], ["persistentvolumeclaims/status"]),
                Rule(s_read, ["storage.k8s.io"], ["csidrivers"]),
                Rule(["create", "delete", "get", "patch", "update"], ["storage.k8s.io"], ["csinodes"]),
                Rule(s_read, ["node.k8s.io"], ["runtimeclasses"])),
            Role("system:node-proxier", null,
                Rule(["list", "watch"], [""], ["endpoints", "services"]),
                Rule(s_read, [""], ["nodes"]),
                Rule(s_eventWrite, ["", "events.k8s.io"], ["events"]),
                Rule(["list", "watch"], ["discovery.k8s.io"], ["endpointslices"])),
            Role("system:node-bootstrapper", null,
                Rule(["create", "get", "list", "watch"], ["certificates.k8s.io"], ["certificatesigningrequests"]),
                Urls(["post"], NodeIdentityEndpoint.IdentityPath)),
            Role(IngressControllerRole, null,
                Rule(s_read, ["networking.k8s.io"], ["ingresses", "ingressclasses"]),
                Rule(["create"], ["networking.k8s.io"], ["ingressclasses"]),
                Rule(["patch", "update"], ["networking.k8s.io"], ["ingresses/status"]),
                Rule(s_read, [""], ["services", "secrets"]),
                Rule(s_read, ["discovery.k8s.io"], ["endpointslices"]),
                Rule(s_eventWrite, ["", "events.k8s.io"], ["events"])),
            Role("system:kube-dns", null,
                Rule(["list", "watch"], [""], ["endpoints", "services"]),
                Rule(["list", "watch"], ["discovery.k8s.io"], ["endpointslices"])),
            Role("system:kube-controller-manager", null,
                Rule(s_eventWrite, ["", "events.k8s.io"], ["events"]),
                Rule(["create", "get", "update"], ["coordination.k8s.io"], ["leases"]),
                Rule(["create"], ["authentication.k8s.io"], ["tokenreviews"]),
                Rule(["create"], ["authorization.k8s.io"], ["subjectaccessreviews"]),
                // The union of the per-controller roles (garbage collector, namespace controller, workload controllers, ...).
                Rule(s_readWrite, ["*"], ["*"]),
                Rule(["escalate"], [RbacGroup], ["clusterroles"]),
                // The CSR signing controller issues certificates for the kubernetes.io signers.
                Rule(["sign"], ["certificates.k8s.io"], ["signers"])),
            Role("system:kube-scheduler", null,
                Rule(s_eventWrite, ["", "events.k8s.io"], ["events"]),
                Rule(["create", "get", "update"], ["coordination.k8s.io"], ["leases"]),
                Rule(s_read, [""], ["nodes"]),
                Rule(["delete", "get", "list", "watch"], [""], ["pods"]),
                Rule(["create"], [""], ["bindings", "pods/binding"]),
                Rule(["patch", "update"], [""], ["pods/status"]),
                Rule(s_read, [""], ["replicationcontrollers", "services"]),
                Rule(s_read, ["apps"], ["replicasets", "statefulsets"]),
                Rule(s_read, ["policy"], ["poddisruptionbudgets"]),
                Rule(s_read, [""], ["persistentvolumeclaims", "persistentvolumes"]),
                Rule(["create"], ["authentication.k8s.io"], ["tokenreviews"]),
                Rule(["create"], ["authorization.k8s.io"], ["subjectaccessreviews"]),
                Rule(s_read, ["storage.k8s.io"], ["csinodes", "csidrivers", "csistoragecapacities", "storageclasses"]),
                Rule(s_read, [""], ["namespaces"])),
            Role("system:volume-scheduler", null,
                Rule(["get", "list", "patch", "update", "watch"], [""], ["persistentvolumes"]),
                Rule(s_read, ["storage.k8s.io"], ["storageclasses"]),
                Rule(["get", "list", "patch", "update", "watch"], [""], ["persistentvolumeclaims"])),

            // Capstan's node agents provision local-path volumes (k3s' local-path-provisioner role, held by every node).
            Role("capstan:local-path-provisioner", null,
                Rule(["create", "delete", "get", "list", "patch", "update", "watch"], [""], ["persistentvolumes"]),
                Rule(["get", "list", "patch", "update", "watch"], [""], ["persistentvolumeclaims"]),
                Rule(s_read, ["storage.k8s.io"], ["storageclasses"])),
        };

        var aggregated = ClusterRoleAggregation.ComputeAll(roles);
        foreach (var role in roles)
        {
            if (aggregated.TryGetValue(role.Metadata.Name, out var rules))
            {
                role.Rules = rules;
            }
        }

        return roles;
    }

    /// <summary>Fresh copies of the default ClusterRoleBindings (safe to mutate).</summary>
    public static IReadOnlyList<V1ClusterRoleBinding> ClusterRoleBindings() =>
    [
        Binding("cluster-admin", Group(SystemGroups.Masters)),
        Binding("system:discovery", Group(SystemGroups.Authenticated)),
        Binding("system:basic-user", Group(SystemGroups.Authenticated)),
        Binding("system:public-info-viewer", Group(SystemGroups.Authenticated), Group(SystemGroups.Unauthenticated)),
        Binding("system:monitoring", Group(SystemGroups.Monitoring)),
        Binding("system:service-account-issuer-discovery", Group(SystemGroups.ServiceAccounts)),
        Binding("system:node", Group(SystemGroups.Nodes)),
        Binding("system:node-proxier", User(SystemUsers.KubeProxy), Group(SystemGroups.Nodes)),
        Binding("system:node-bootstrapper", Group(SystemGroups.Bootstrappers)),
        Binding(IngressControllerRole, User(IngressControllerRole)),
        Binding("system:kube-dns", new Rbacv1Subject { Kind = "ServiceAccount", Name = "kube-dns", NamespaceProperty = "kube-system" }),
        Binding("system:kube-controller-manager", User(SystemUsers.KubeControllerManager)),
        Binding("system:kube-scheduler", User(SystemUsers.KubeScheduler)),
        Binding("system:volume-scheduler", User(SystemUsers.KubeScheduler)),
        Binding("capstan:local-path-provisioner", Group(SystemGroups.Nodes)),
    ];

    /// <summary>An <see cref="IRbacSource"/> holding just the bootstrap policy.</summary>
    public static InMemoryRbacSource CreateSource() => new(clusterRoles: ClusterRoles(), clusterRoleBindings: ClusterRoleBindings());

    private static V1ObjectMeta Metadata(string name, Dictionary<string, string>? extraLabels)
    {
        var labels = new Dictionary<string, string> { [BootstrappingLabel] = BootstrappingLabelValue };
        foreach (var (key, value) in extraLabels ?? [])
        {
            labels[key] = value;
        }

        return new V1ObjectMeta
        {
            Name = name,
            Labels = labels,
            Annotations = new Dictionary<string, string> { [AutoupdateAnnotation] = "true" },
        };
    }

    private static V1ClusterRole Role(string name, Dictionary<string, string>? labels, params V1PolicyRule[] rules) => new()
    {
        ApiVersion = "rbac.authorization.k8s.io/v1",
        Kind = "ClusterRole",
        Metadata = Metadata(name, labels),
        Rules = [.. rules],
    };

    private static V1ClusterRole Aggregated(string name, string selectorLabel, Dictionary<string, string>? labels) => new()
    {
        ApiVersion = "rbac.authorization.k8s.io/v1",
        Kind = "ClusterRole",
        Metadata = Metadata(name, labels),
        AggregationRule = new V1AggregationRule
        {
            ClusterRoleSelectors = [new V1LabelSelector { MatchLabels = new Dictionary<string, string> { [selectorLabel] = "true" } }],
        },
        Rules = [],
    };

    private static V1ClusterRoleBinding Binding(string name, params Rbacv1Subject[] subjects) => new()
    {
        ApiVersion = "rbac.authorization.k8s.io/v1",
        Kind = "ClusterRoleBinding",
        Metadata = Metadata(name, null),
        RoleRef = new V1RoleRef { ApiGroup = RbacGroup, Kind = "ClusterRole", Name = name },
        Subjects = [.. subjects],
    };

    private static V1PolicyRule Rule(string[] verbs, string[] groups, string[] resources) =>
        new() { Verbs = [.. verbs], ApiGroups = [.. groups], Resources = [.. resources] };

    private static V1PolicyRule Urls(string[] verbs, params string[] urls) => new() { Verbs = [.. verbs], NonResourceURLs = [.. urls] };

    private static Rbacv1Subject Group(string name) => new() { Kind = "Group", ApiGroup = RbacGroup, Name = name };

    private static Rbacv1Subject User(string name) => new() { Kind = "User", ApiGroup = RbacGroup, Name = name };
}
