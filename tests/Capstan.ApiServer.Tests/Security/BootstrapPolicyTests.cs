using Capstan.ApiServer.Security;
using k8s.Models;
using static Capstan.ApiServer.Tests.Security.Rbac;

namespace Capstan.ApiServer.Tests.Security;

public sealed class BootstrapPolicyTests
{
    private static readonly UserInfo Jane = new("jane", SystemGroups.Authenticated);
    private readonly RbacAuthorizer _authorizer = new();

    private static InMemoryRbacSource WithNamespaceBinding(string clusterRole, string ns) =>
        new(
            clusterRoles: BootstrapPolicy.ClusterRoles(),
            roleBindings: [RoleBinding(ns, "jane-" + clusterRole, "ClusterRole", clusterRole, User("jane"))],
            clusterRoleBindings: BootstrapPolicy.ClusterRoleBindings());

    private bool Can(UserInfo user, IRbacSource source, string verb, string group, string resource, string ns = "", string subresource = "") =>
        _authorizer.Authorize(user, RequestAttributes.ForResource(verb, group, resource, ns, "", subresource), source).Allowed;

    private bool CanGetPath(UserInfo user, string path) =>
        _authorizer.Authorize(user, RequestAttributes.ForNonResource("get", path), BootstrapPolicy.CreateSource()).Allowed;

    [Fact]
    public void AllObjects_CarryBootstrappingLabelAndAutoupdateAnnotation()
    {
        var metadata = BootstrapPolicy.ClusterRoles().Select(r => r.Metadata)
            .Concat(BootstrapPolicy.ClusterRoleBindings().Select(b => b.Metadata));

        Assert.All(metadata, m =>
        {
            Assert.Equal("rbac-defaults", m.Labels["kubernetes.io/bootstrapping"]);
            Assert.Equal("true", m.Annotations["rbac.authorization.kubernetes.io/autoupdate"]);
        });
    }

    [Fact]
    public void ClusterRoleBindings_AllReferenceExistingClusterRoles()
    {
        var names = BootstrapPolicy.ClusterRoles().Select(r => r.Metadata.Name).ToHashSet();

        Assert.All(BootstrapPolicy.ClusterRoleBindings(), b => Assert.Contains(b.RoleRef.Name, names));
    }

    [Fact]
    public void AggregatedRoles_KeepSelectorsAndAreFilledIn()
    {
        var roles = BootstrapPolicy.ClusterRoles().ToDictionary(r => r.Metadata.Name);

        foreach (var name in new[] { "admin", "edit", "view" })
        {
            Assert.NotNull(roles[name].AggregationRule);
            Assert.NotEmpty(roles[name].Rules);
        }

        Assert.Equal("true", roles["edit"].Metadata.Labels["rbac.authorization.k8s.io/aggregate-to-admin"]);
        Assert.Equal("true", roles["view"].Metadata.Labels["rbac.authorization.k8s.io/aggregate-to-edit"]);
        Assert.True(roles["admin"].Rules.Count > roles["edit"].Rules.Count);
        Assert.True(roles["edit"].Rules.Count > roles["view"].Rules.Count);
    }

    [Theory]
    [InlineData("view", "list", "", "pods", "", true)]
    [InlineData("view", "get", "", "pods", "log", true)]
    [InlineData("view", "get", "", "secrets", "", false)]
    [InlineData("view", "delete", "", "pods", "", false)]
    [InlineData("view", "watch", "apps", "deployments", "", true)]
    [InlineData("edit", "delete", "apps", "deployments", "", true)]
    [InlineData("edit", "get", "", "secrets", "", true)]
    [InlineData("edit", "create", "", "pods", "exec", true)]
    [InlineData("edit", "update", "apps", "deployments", "scale", true)]
    [InlineData("edit", "create", "rbac.authorization.k8s.io", "rolebindings", "", false)]
    [InlineData("admin", "create", "rbac.authorization.k8s.io", "rolebindings", "", true)]
    [InlineData("admin", "list", "", "pods", "", true)]
    [InlineData("admin", "delete", "", "namespaces", "", false)]
    public void NamespaceRoles_GrantKubernetesPermissions(string role, string verb, string group, string resource, string subresource, bool expected)
    {
        var source = WithNamespaceBinding(role, "team-a");

        Assert.Equal(expected, Can(Jane, source, verb, group, resource, "team-a", subresource));
        Assert.False(Can(Jane, source, verb, group, resource, "team-b", subresource));
    }

    [Theory]
    [InlineData("/healthz", true)]
    [InlineData("/livez", true)]
    [InlineData("/readyz", true)]
    [InlineData("/version", true)]
    [InlineData("/api", false)]
    [InlineData("/apis/apps/v1", false)]
    public void Anonymous_SeesOnlyPublicInfo(string path, bool expected)
    {
        Assert.Equal(expected, CanGetPath(UserInfo.Anonymous, path));
    }

    [Theory]
    [InlineData("/api")]
    [InlineData("/api/v1")]
    [InlineData("/apis/apps/v1")]
    [InlineData("/openapi/v3")]
    [InlineData("/version")]
    public void Authenticated_SeesDiscovery(string path)
    {
        Assert.True(CanGetPath(Jane, path));
    }

    [Fact]
    public void Authenticated_CanReviewOwnAccessButNotReadPods()
    {
        var source = BootstrapPolicy.CreateSource();

        Assert.True(Can(Jane, source, "create", "authorization.k8s.io", "selfsubjectaccessreviews"));
        Assert.True(Can(Jane, source, "create", "authorization.k8s.io", "selfsubjectrulesreviews"));
        Assert.False(Can(Jane, source, "list", "", "pods", "default"));
    }

    [Fact]
    public void JoinTokenUser_CanRunANode()
    {
        var source = BootstrapPolicy.CreateSource();
        var agent = JoinToken.User;

        Assert.True(Can(agent, source, "create", "", "nodes"));
        Assert.True(Can(agent, source, "patch", "", "nodes", subresource: "status"));
        Assert.True(Can(agent, source, "watch", "", "pods"));
        Assert.True(Can(agent, source, "update", "", "pods", "default", "status"));
        Assert.False(Can(agent, source, "get", "", "secrets", "default")); // only through the Node authorizer, for its own pods
        Assert.True(Can(agent, source, "update", "coordination.k8s.io", "leases", "kube-node-lease"));
        Assert.True(Can(agent, source, "create", "", "events", "default"));
        Assert.True(Can(agent, source, "watch", "discovery.k8s.io", "endpointslices"));
        Assert.True(Can(agent, source, "create", "certificates.k8s.io", "certificatesigningrequests"));
        Assert.False(Can(agent, source, "delete", "", "namespaces"));
        Assert.False(Can(agent, source, "create", "apps", "deployments", "default"));
    }

    [Fact]
    public void Scheduler_CanBindPodsButNotDeleteNodes()
    {
        var source = BootstrapPolicy.CreateSource();
        var scheduler = new UserInfo(SystemUsers.KubeScheduler, SystemGroups.Authenticated);

        Assert.True(Can(scheduler, source, "create", "", "pods", "default", "binding"));
        Assert.True(Can(scheduler, source, "watch", "", "nodes"));
        Assert.False(Can(scheduler, source, "delete", "", "nodes"));
    }

    [Fact]
    public void ControllerManager_CanWriteWorkloadsButNotImpersonate()
    {
        var source = BootstrapPolicy.CreateSource();
        var manager = new UserInfo(SystemUsers.KubeControllerManager, SystemGroups.Authenticated);

        Assert.True(Can(manager, source, "create", "apps", "replicasets", "default"));
        Assert.True(Can(manager, source, "deletecollection", "", "pods", "default"));
        Assert.True(Can(manager, source, "update", "apps", "deployments", "default", "status"));
        Assert.False(Can(manager, source, "impersonate", "", "users"));
    }

    [Fact]
    public void SystemMastersViaClusterAdminBinding_RulesReviewShowsEverything()
    {
        var admin = new UserInfo(SystemUsers.Admin, SystemGroups.Masters, SystemGroups.Authenticated);

        var status = _authorizer.RulesFor(admin, "default", BootstrapPolicy.CreateSource());

        Assert.Contains(status.ResourceRules, r => r.Verbs.Contains("*") && r.Resources.Contains("*") && r.ApiGroups.Contains("*"));
        Assert.Contains(status.NonResourceRules, r => r.NonResourceURLs.Contains("*"));
    }

    [Fact]
    public void ClusterRoles_ReturnsFreshCopies()
    {
        var first = BootstrapPolicy.ClusterRoles();
        first[0].Rules.Clear();

        Assert.NotEmpty(BootstrapPolicy.ClusterRoles()[0].Rules);
    }
}
