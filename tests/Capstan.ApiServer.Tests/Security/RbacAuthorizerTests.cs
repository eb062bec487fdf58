using Capstan.ApiServer.Security;
using static Capstan.ApiServer.Tests.Security.Rbac;

namespace Capstan.ApiServer.Tests.Security;

public sealed class RbacAuthorizerTests
{
    private static readonly UserInfo Jane = new("jane", "dev", SystemGroups.Authenticated);
    private static readonly UserInfo Bob = new("bob", SystemGroups.Authenticated);
    private static readonly UserInfo Builder = ServiceAccountUser.Create("ci", "builder");

    private readonly RbacAuthorizer _authorizer = new();

    private static RequestAttributes Get(string resource, string ns = "", string name = "", string group = "", string subresource = "", string verb = "get") =>
        RequestAttributes.ForResource(verb, group, resource, ns, name, subresource);

    [Fact]
    public void Authorize_SystemMasters_AllowedWithoutBindings()
    {
        var admin = new UserInfo("system:admin", SystemGroups.Masters);

        var decision = _authorizer.Authorize(admin, Get("secrets", "kube-system", verb: "delete"), new InMemoryRbacSource());

        Assert.True(decision.Allowed);
    }

    [Fact]
    public void Authorize_NoBindings_DeniedWithEmptyReason()
    {
        var decision = _authorizer.Authorize(Jane, Get("pods", "default"), new InMemoryRbacSource());

        Assert.False(decision.Allowed);
        Assert.Equal("", decision.Reason);
    }

    [Fact]
    public void Authorize_ClusterRoleBinding_GrantsInEveryNamespaceAndClusterScope()
    {
        var source = new InMemoryRbacSource(
            clusterRoles: [ClusterRole("reader", Rule(["get", "list"], [""], ["pods", "nodes"]))],
            clusterRoleBindings: [ClusterRoleBinding("read-all", "reader", User("jane"))]);

        Assert.True(_authorizer.Authorize(Jane, Get("pods", "default"), source).Allowed);
        Assert.True(_authorizer.Authorize(Jane, Get("pods", "other"), source).Allowed);
        Assert.True(_authorizer.Authorize(Jane, Get("nodes"), source).Allowed);
        Assert.False(_authorizer.Authorize(Jane, Get("pods", "default", verb: "delete"), source).Allowed);
        Assert.False(_authorizer.Authorize(Bob, Get("pods", "default"), source).Allowed);
    }

    [Fact]
    public void Authorize_ClusterRoleBinding_ReasonNamesBindingRoleAndSubject()
    {
        var source = new InMemoryRbacSource(
            clusterRoles: [ClusterRole("reader", Rule(["get"], [""], ["pods"]))],
            clusterRoleBindings: [ClusterRoleBinding("read-all", "reader", Group("dev"))]);

        var decision = _authorizer.Authorize(Jane, Get("pods", "default"), source);

        Assert.Equal("RBAC: allowed by ClusterRoleBinding \"read-all\" of ClusterRole \"reader\" to Group \"dev\"", decision.Reason);
    }

    [Fact]
    public void Authorize_RoleBindingToRole_GrantsOnlyInItsNamespace()
    {
        var source = new InMemoryRbacSource(
            roles: [Role("team-a", "pod-reader", Rule(["get"], [""], ["pods"]))],
            roleBindings: [RoleBinding("team-a", "jane-reads", "Role", "pod-reader", User("jane"))]);

        var allowed = _authorizer.Authorize(Jane, Get("pods", "team-a"), source);

        Assert.True(allowed.Allowed);
        Assert.Equal("RBAC: allowed by RoleBinding \"jane-reads/team-a\" of Role \"pod-reader\" to User \"jane\"", allowed.Reason);
        Assert.False(_authorizer.Authorize(Jane, Get("pods", "team-b"), source).Allowed);
        Assert.False(_authorizer.Authorize(Jane, Get("pods"), source).Allowed);
    }

    [Fact]
    public void Authorize_RoleBindingToClusterRole_GrantsOnlyInBindingNamespace()
    {
        var source = new InMemoryRbacSource(
            clusterRoles: [ClusterRole("edit-deploys", Rule(["*"], ["apps"], ["deployments"]))],
            roleBindings: [RoleBinding("team-a", "jane-edits", "ClusterRole", "edit-deploys", User("jane"))]);

        Assert.True(_authorizer.Authorize(Jane, Get("deployments", "team-a", group: "apps", verb: "delete"), source).Allowed);
        Assert.False(_authorizer.Authorize(Jane, Get("deployments", "team-b", group: "apps"), source).Allowed);
        Assert.False(_authorizer.Authorize(Jane, Get("deployments", "", group: "apps", verb: "list"), source).Allowed);
        Assert.False(_authorizer.Authorize(Jane, Get("deployments", "team-a", group: "", verb: "get"), source).Allowed);
    }

    [Fact]
    public void Authorize_RoleBindingToRoleOfOtherNamespace_DoesNotGrant()
    {
        var source = new InMemoryRbacSource(
            roles: [Role("team-b", "pod-reader", Rule(["get"], [""], ["pods"]))],
            roleBindings: [RoleBinding("team-a", "jane-reads", "Role", "pod-reader", User("jane"))]);

        var decision = _authorizer.Authorize(Jane, Get("pods", "team-a"), source);

        Assert.False(decision.Allowed);
        Assert.Contains("role.rbac.authorization.k8s.io \"pod-reader\" not found", decision.Reason);
    }

    [Fact]
    public void Authorize_MissingClusterRole_DenyReasonSaysNotFound()
    {
        var source = new InMemoryRbacSource(clusterRoleBindings: [ClusterRoleBinding("b", "ghost", User("jane"))]);

        var decision = _authorizer.Authorize(Jane, Get("pods", "default"), source);

        Assert.False(decision.Allowed);
        Assert.Equal("RBAC: clusterrole.rbac.authorization.k8s.io \"ghost\" not found", decision.Reason);
    }

    [Theory]
    [InlineData("pods", "", true)]
    [InlineData("pods", "log", false)]
    [InlineData("pods", "status", true)]
    [InlineData("deployments", "scale", true)]
    [InlineData("deployments", "status", false)]
    public void Authorize_SubresourceForms_MatchAsKubernetes(string resource, string subresource, bool expected)
    {
        var source = new InMemoryRbacSource(
            clusterRoles: [ClusterRole("r", Rule(["get"], ["*"], ["pods", "pods/status", "*/scale"]))],
            clusterRoleBindings: [ClusterRoleBinding("b", "r", User("jane"))]);

        var decision = _authorizer.Authorize(Jane, Get(resource, "default", "x", subresource: subresource), source);

        Assert.Equal(expected, decision.Allowed);
    }

    [Fact]
    public void Authorize_StarResource_MatchesSubresources()
    {
        var source = new InMemoryRbacSource(
            clusterRoles: [ClusterRole("r", Rule(["get"], [""], ["*"]))],
            clusterRoleBindings: [ClusterRoleBinding("b", "r", User("jane"))]);

        Assert.True(_authorizer.Authorize(Jane, Get("pods", "default", "x", subresource: "log"), source).Allowed);
        Assert.False(_authorizer.Authorize(Jane, Get("deployments", "default", group: "apps"), source).Allowed);
    }

    [Theory]
    [InlineData("get", "app-config", true)]
    [InlineData("update", "app-config", true)]
    [InlineData("get", "other", false)]
    [InlineData("list", "", false)]
    [InlineData("create", "", false)]
    public void Authorize_ResourceNames_RestrictToNamedObjects(string verb, string name, bool expected)
    {
        var source = new InMemoryRbacSource(
            roles: [Role("default", "cm", Rule(["get", "update", "list", "create"], [""], ["configmaps"], ["app-config"]))],
            roleBindings: [RoleBinding("default", "b", "Role", "cm", User("jane"))]);

        Assert.Equal(expected, _authorizer.Authorize(Jane, Get("configmaps", "default", name, verb: verb), source).Allowed);
    }

    [Theory]
    [InlineData("/healthz", true)]
    [InlineData("/apis", true)]
    [InlineData("/apis/apps/v1", true)]
    [InlineData("/apisx", false)]
    [InlineData("/metrics", false)]
    public void Authorize_NonResourceUrls_MatchExactOrTrailingStar(string path, bool expected)
    {
        var source = new InMemoryRbacSource(
            clusterRoles: [ClusterRole("d", UrlRule(["get"], "/healthz", "/apis", "/apis/*"))],
            clusterRoleBindings: [ClusterRoleBinding("b", "d", Group(SystemGroups.Authenticated))]);

        Assert.Equal(expected, _authorizer.Authorize(Bob, RequestAttributes.ForNonResource("get", path), source).Allowed);
        Assert.False(_authorizer.Authorize(Bob, RequestAttributes.ForNonResource("post", path), source).Allowed);
    }

    [Fact]
    public void Authorize_NonResourceRuleInRoleBinding_NeverGrants()
    {
        var source = new InMemoryRbacSource(
            clusterRoles: [ClusterRole("d", UrlRule(["get"], "*"))],
            roleBindings: [RoleBinding("default", "b", "ClusterRole", "d", User("jane"))]);

        Assert.False(_authorizer.Authorize(Jane, RequestAttributes.ForNonResource("get", "/healthz"), source).Allowed);
    }

    [Fact]
    public void Authorize_ServiceAccountSubject_MatchesItsUserName()
    {
        var source = new InMemoryRbacSource(
            roles: [Role("ci", "deployer", Rule(["create"], ["apps"], ["deployments"]))],
            roleBindings: [RoleBinding("ci", "b", "Role", "deployer", ServiceAccount("ci", "builder"))]);

        var decision = _authorizer.Authorize(Builder, Get("deployments", "ci", group: "apps", verb: "create"), source);

        Assert.True(decision.Allowed);
        Assert.Equal("RBAC: allowed by RoleBinding \"b/ci\" of Role \"deployer\" to ServiceAccount \"builder/ci\"", decision.Reason);
        Assert.False(_authorizer.Authorize(ServiceAccountUser.Create("other", "builder"), Get("deployments", "ci", group: "apps", verb: "create"), source).Allowed);
    }

    [Fact]
    public void Authorize_ServiceAccountSubjectWithoutNamespace_UsesBindingNamespace()
    {
        var source = new InMemoryRbacSource(
            roles: [Role("ci", "reader", Rule(["get"], [""], ["pods"]))],
            roleBindings: [RoleBinding("ci", "b", "Role", "reader", ServiceAccount("", "builder"))]);

        Assert.True(_authorizer.Authorize(Builder, Get("pods", "ci"), source).Allowed);
    }

    [Fact]
    public void Authorize_ServiceAccountGroups_MatchAllAndPerNamespace()
    {
        var source = new InMemoryRbacSource(
            clusterRoles: [ClusterRole("a", Rule(["get"], [""], ["pods"])), ClusterRole("b", Rule(["list"], [""], ["pods"]))],
            clusterRoleBindings:
            [
                ClusterRoleBinding("all-sas", "a", Group("system:serviceaccounts")),
                ClusterRoleBinding("ci-sas", "b", Group("system:serviceaccounts:ci")),
            ]);

        Assert.True(_authorizer.Authorize(Builder, Get("pods", "x"), source).Allowed);
        Assert.True(_authorizer.Authorize(Builder, Get("pods", "x", verb: "list"), source).Allowed);
        Assert.False(_authorizer.Authorize(ServiceAccountUser.Create("prod", "web"), Get("pods", "x", verb: "list"), source).Allowed);
    }

    [Fact]
    public void RulesFor_CollectsClusterAndNamespaceRules()
    {
        var source = new InMemoryRbacSource(
            roles: [Role("team-a", "r", Rule(["get"], [""], ["secrets"], ["one"]))],
            clusterRoles: [ClusterRole("d", UrlRule(["get"], "/version")), ClusterRole("c", Rule(["list"], [""], ["namespaces"]))],
            roleBindings: [RoleBinding("team-a", "rb", "Role", "r", User("jane")), RoleBinding("team-b", "rb", "ClusterRole", "c", User("jane"))],
            clusterRoleBindings: [ClusterRoleBinding("crb", "d", Group(SystemGroups.Authenticated))]);

        var status = _authorizer.RulesFor(Jane, "team-a", source);

        Assert.False(status.Incomplete);
        var resourceRule = Assert.Single(status.ResourceRules);
        Assert.Equal(["secrets"], resourceRule.Resources);
        Assert.Equal(["one"], resourceRule.ResourceNames);
        var nonResourceRule = Assert.Single(status.NonResourceRules);
        Assert.Equal(["/version"], nonResourceRule.NonResourceURLs);
    }

    [Fact]
    public void RulesFor_MissingRole_IsIncomplete()
    {
        var source = new InMemoryRbacSource(roleBindings: [RoleBinding("a", "rb", "Role", "ghost", User("jane"))]);

        var status = _authorizer.RulesFor(Jane, "a", source);

        Assert.True(status.Incomplete);
        Assert.Contains("ghost", status.EvaluationError);
    }

    [Fact]
    public void Forbidden_NamespacedResource_HasKubernetesMessageAndDetails()
    {
        var status = SecurityStatus.Forbidden(Jane, Get("deployments", "default", "web", group: "apps", subresource: "scale"));

        Assert.Equal(403, status.Code);
        Assert.Equal("Forbidden", status.Reason);
        Assert.Equal(
            "deployments.apps \"web\" is forbidden: User \"jane\" cannot get resource \"deployments/scale\" in API group \"apps\" in the namespace \"default\"",
            status.Message);
        Assert.Equal("apps", status.Details.Group);
        Assert.Equal("deployments", status.Details.Kind);
        Assert.Equal("web", status.Details.Name);
    }

    [Fact]
    public void Forbidden_ClusterScopedList_HasKubernetesMessage()
    {
        var status = SecurityStatus.Forbidden(Jane, Get("nodes", verb: "list"));

        Assert.Equal("nodes is forbidden: User \"jane\" cannot list resource \"nodes\" in API group \"\" at the cluster scope", status.Message);
    }

    [Fact]
    public void Forbidden_NonResource_HasKubernetesMessage()
    {
        var status = SecurityStatus.Forbidden(UserInfo.Anonymous, RequestAttributes.ForNonResource("get", "/<x>"));

        Assert.Equal("forbidden: User \"system:anonymous\" cannot get path \"/&lt;x&gt;\"", status.Message);
    }

    [Fact]
    public void ToJson_Forbidden_HasStatusFieldsAndDetails()
    {
        var json = SecurityStatus.ToJson(SecurityStatus.Forbidden(Jane, Get("pods", "default", "web")));

        Assert.Equal("Status", (string?)json["kind"]);
        Assert.Equal("Forbidden", (string?)json["reason"]);
        Assert.Equal(403, (int?)json["code"]);
        Assert.Equal("web", (string?)json["details"]!["name"]);
        Assert.Equal("pods", (string?)json["details"]!["kind"]);
        Assert.Null(json["details"]!["group"]);
    }

    [Fact]
    public void RuleCoverage_SubsetIsCovered_SupersetIsNot()
    {
        var owner = new[] { Rule(["get", "list"], [""], ["pods", "*/scale"]), Rule(["get"], [""], ["configmaps"], ["a"]) };

        Assert.Empty(RuleCoverage.Uncovered(owner, [Rule(["get"], [""], ["pods", "deployments/scale"])]));
        Assert.Empty(RuleCoverage.Uncovered(owner, [Rule(["get"], [""], ["configmaps"], ["a"])]));
        Assert.Single(RuleCoverage.Uncovered(owner, [Rule(["get"], [""], ["configmaps"])]));
        Assert.Single(RuleCoverage.Uncovered(owner, [Rule(["delete"], [""], ["pods"])]));
        Assert.Single(RuleCoverage.Uncovered(owner, [Rule(["*"], [""], ["pods"])]));
    }
}
