using System.Net;
using Capstan.ApiServer.Authorization.Escalation;
using Capstan.ApiServer.Tests.Hosting;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Capstan.ApiServer.Tests.Authorization;

/// <summary>Nobody grants what they do not hold, unless they may <c>escalate</c> or <c>bind</c>.</summary>
public sealed class EscalationTests(InProcessServerFixture fixture) : IClassFixture<InProcessServerFixture>
{
    private Kubernetes Masters() => fixture.Server.CreateInProcessClient("test-root", "system:masters", "system:authenticated");

    private Kubernetes User(string name) => fixture.Server.CreateInProcessClient(name, "system:authenticated");

    /// <summary>Namespace <paramref name="ns"/> with <paramref name="user"/> bound to ClusterRole admin in it.</summary>
    private async Task NamespaceAdminAsync(string ns, string user)
    {
        using var root = Masters();
        await root.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } });
        await root.RbacAuthorizationV1.CreateNamespacedRoleBindingAsync(Binding("admin-" + user, "ClusterRole", "admin", user), ns);
    }

    private static V1RoleBinding Binding(string name, string kind, string role, string user) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = kind, Name = role },
        Subjects = [new Rbacv1Subject { Kind = "User", Name = user, ApiGroup = "rbac.authorization.k8s.io" }],
    };

    private static V1Role Role(string name, params V1PolicyRule[] rules) => new() { Metadata = new V1ObjectMeta { Name = name }, Rules = rules };

    private static V1PolicyRule Rule(string verb, string group, string resource) => new() { Verbs = [verb], ApiGroups = [group], Resources = [resource] };

    [Fact]
    public async Task CreateRole_WithHeldPermissions_IsAllowed()
    {
        await NamespaceAdminAsync("esc-held", "alice");
        using var alice = User("alice");

        var role = await alice.RbacAuthorizationV1.CreateNamespacedRoleAsync(Role("pod-reader", Rule("get", "", "pods")), "esc-held");

        Assert.Equal("pod-reader", role.Metadata.Name);
    }

    [Fact]
    public async Task CreateRole_WithPermissionsNotHeld_IsForbidden()
    {
        await NamespaceAdminAsync("esc-role", "bob");
        using var bob = User("bob");

        var ex = await Assert.ThrowsAsync<HttpOperationException>(() =>
            bob.RbacAuthorizationV1.CreateNamespacedRoleAsync(Role("node-reader", Rule("get", "", "nodes")), "esc-role"));

        Assert.Equal(HttpStatusCode.Forbidden, ex.Response.StatusCode);
        Assert.Contains(
            "roles.rbac.authorization.k8s.io \\\"node-reader\\\" is forbidden: user \\\"bob\\\" (groups=[\\\"system:authenticated\\\"]) is attempting to grant RBAC permissions not currently held:\\n{APIGroups:[\\\"\\\"], Resources:[\\\"nodes\\\"], Verbs:[\\\"get\\\"]}",
            ex.Response.Content,
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApplyRole_WithPermissionsNotHeld_IsForbidden()
    {
        await NamespaceAdminAsync("esc-apply", "erin");
        using var erin = User("erin");
        const string applied = """
            {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"Role","metadata":{"name":"node-reader"},
             "rules":[{"apiGroups":[""],"resources":["nodes"],"verbs":["get"]}]}
            """;

        // Server-side apply goes through the same escalation check as create and update.
        var ex = await Assert.ThrowsAsync<HttpOperationException>(() => erin.RbacAuthorizationV1.PatchNamespacedRoleAsync(
            new V1Patch(applied, V1Patch.PatchType.ApplyPatch), "node-reader", "esc-apply", fieldManager: "test"));

        Assert.Equal(HttpStatusCode.Forbidden, ex.Response.StatusCode);
        Assert.Contains("attempting to grant RBAC permissions not currently held", ex.Response.Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateRoleBinding_ToClusterAdmin_IsForbiddenForANamespaceAdmin()
    {
        await NamespaceAdminAsync("esc-bind", "carol");
        using var carol = User("carol");

        var ex = await Assert.ThrowsAsync<HttpOperationException>(() =>
            carol.RbacAuthorizationV1.CreateNamespacedRoleBindingAsync(Binding("steal", "ClusterRole", "cluster-admin", "carol"), "esc-bind"));

        Assert.Equal(HttpStatusCode.Forbidden, ex.Response.StatusCode);
        Assert.Contains("is attempting to grant RBAC permissions not currently held", ex.Response.Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateRoleBinding_WithBindVerb_IsAllowed()
    {
        await NamespaceAdminAsync("esc-bindverb", "dave");
        using var root = Masters();
        await root.RbacAuthorizationV1.CreateClusterRoleAsync(new V1ClusterRole
        {
            Metadata = new V1ObjectMeta { Name = "dave-binder" },
            Rules = [new V1PolicyRule { Verbs = ["bind"], ApiGroups = ["rbac.authorization.k8s.io"], Resources = ["clusterroles"], ResourceNames = ["cluster-admin"] }],
        });
        await root.RbacAuthorizationV1.CreateNamespacedRoleBindingAsync(Binding("dave-binder", "ClusterRole", "dave-binder", "dave"), "esc-bindverb");
        using var dave = User("dave");

        var binding = await dave.RbacAuthorizationV1.CreateNamespacedRoleBindingAsync(Binding("granted", "ClusterRole", "cluster-admin", "dave"), "esc-bindverb");

        Assert.Equal("granted", binding.Metadata.Name);
    }

    [Fact]
    public async Task CreateRole_WithEscalateVerb_IsAllowed()
    {
        await NamespaceAdminAsync("esc-escalate", "erin");
        using var root = Masters();
        await root.RbacAuthorizationV1.CreateNamespacedRoleAsync(
            Role("escalator", new V1PolicyRule { Verbs = ["escalate"], ApiGroups = ["rbac.authorization.k8s.io"], Resources = ["roles"] }), "esc-escalate");
        await root.RbacAuthorizationV1.CreateNamespacedRoleBindingAsync(Binding("escalator", "Role", "escalator", "erin"), "esc-escalate");
        using var erin = User("erin");

        var role = await erin.RbacAuthorizationV1.CreateNamespacedRoleAsync(Role("node-reader", Rule("get", "", "nodes")), "esc-escalate");

        Assert.Equal("node-reader", role.Metadata.Name);
    }

    [Fact]
    public void Compact_Rule_PrintsAsKubernetes()
    {
        var rule = new V1PolicyRule { ApiGroups = ["", "apps"], Resources = ["pods"], ResourceNames = ["a"], Verbs = ["get"] };

        Assert.Equal("{APIGroups:[\"\" \"apps\"], Resources:[\"pods\"], ResourceNames:[\"a\"], Verbs:[\"get\"]}", RbacEscalationGuard.Compact(rule));
    }
}
