using System.Text.Json.Nodes;
using Capstan.Api.Kinds;

namespace Capstan.Api.Tests.Kinds;

public sealed class RbacStrategyTests
{
    private const string Rbac = "rbac.authorization.k8s.io";

    [Fact]
    public void RoleBinding_Default_ApiGroups()
    {
        var strategy = KindStrategies.Find(Rbac, "RoleBinding")!;
        var rb = Json.Parse("""{"metadata":{"name":"rb","namespace":"a"},"roleRef":{"kind":"Role","name":"r"},"subjects":[{"kind":"ServiceAccount","name":"default"},{"kind":"User","name":"alice"}]}""");
        strategy.Default(rb);
        Assert.Equal("\"rbac.authorization.k8s.io\"", Json.Text(rb, "roleRef.apiGroup"));
        Assert.Equal("\"\"", Json.Text(rb, "subjects[0].apiGroup"));
        Assert.Equal("\"rbac.authorization.k8s.io\"", Json.Text(rb, "subjects[1].apiGroup"));
        Assert.Empty(strategy.Validate(rb, null));
    }

    [Fact]
    public void ClusterRoleBinding_ServiceAccountWithoutNamespace_Required()
    {
        var strategy = KindStrategies.Find(Rbac, "ClusterRoleBinding")!;
        var crb = Json.Parse("""{"metadata":{"name":"x"},"roleRef":{"kind":"ClusterRole","name":"admin"},"subjects":[{"kind":"ServiceAccount","name":"sa"}]}""");
        strategy.Default(crb);
        Assert.Equal(["subjects[0].namespace:FieldValueRequired"], Json.Fields(strategy.Validate(crb, null)));
    }

    [Fact]
    public void ClusterRoleBinding_RoleKind_NotSupported()
    {
        var strategy = KindStrategies.Find(Rbac, "ClusterRoleBinding")!;
        var crb = Json.Parse("""{"metadata":{"name":"x"},"roleRef":{"kind":"Role","name":"r"}}""");
        strategy.Default(crb);
        Assert.Equal(["roleRef.kind:FieldValueNotSupported"], Json.Fields(strategy.Validate(crb, null)));
    }

    [Fact]
    public void RoleBinding_RoleRefChanged_Invalid()
    {
        var strategy = KindStrategies.Find(Rbac, "RoleBinding")!;
        var old = Json.Parse("""{"metadata":{"name":"rb","namespace":"a"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"r"}}""");
        var rb = (JsonObject)old.DeepClone();
        rb["roleRef"]!["name"] = "other";
        var err = Assert.Single(strategy.Validate(rb, old));
        Assert.Equal(("roleRef", "cannot change roleRef"), (err.Field, err.Detail));
    }

    [Theory]
    [InlineData("Role", """[{"apiGroups":[""],"resources":["pods"]}]""", "rules[0].verbs:FieldValueRequired")]
    [InlineData("Role", """[{"verbs":["get"],"nonResourceURLs":["/healthz"]}]""", "rules[0].nonResourceURLs:FieldValueInvalid")]
    [InlineData("ClusterRole", """[{"verbs":["get"],"resources":["pods"]}]""", "rules[0].apiGroups:FieldValueRequired")]
    [InlineData("ClusterRole", """[{"verbs":["get"],"apiGroups":[""]}]""", "rules[0].resources:FieldValueRequired")]
    public void Role_BadRules(string kind, string rules, string expected)
    {
        var strategy = KindStrategies.Find(Rbac, kind)!;
        var role = Json.Parse("""{"metadata":{"name":"r","namespace":"a"},"rules":""" + rules + "}");
        Assert.Contains(expected, Json.Fields(strategy.Validate(role, null)));
    }

    [Fact]
    public void ClusterRole_NonResourceUrls_Valid()
    {
        var strategy = KindStrategies.Find(Rbac, "ClusterRole")!;
        Assert.Empty(strategy.Validate(Json.Parse("""{"metadata":{"name":"r"},"rules":[{"verbs":["get"],"nonResourceURLs":["/healthz"]}]}"""), null));
    }
}
