using Capstan.ApiServer.Security;
using k8s.Models;
using static Capstan.ApiServer.Tests.Security.Rbac;

namespace Capstan.ApiServer.Tests.Security;

public sealed class BootstrapReconciliationTests
{
    private static V1ClusterRole Desired(string name) => BootstrapPolicy.ClusterRoles().Single(r => r.Metadata.Name == name);

    private static V1ClusterRoleBinding DesiredBinding(string name) => BootstrapPolicy.ClusterRoleBindings().Single(b => b.Metadata.Name == name);

    [Fact]
    public void Reconcile_MissingRole_CreatesDesired()
    {
        var result = BootstrapReconciliation.Reconcile(null, Desired("system:basic-user"));

        Assert.NotNull(result);
        Assert.Equal("system:basic-user", result.Metadata.Name);
    }

    [Fact]
    public void Reconcile_UpToDateRole_NothingToDo()
    {
        Assert.Null(BootstrapReconciliation.Reconcile(Desired("view"), Desired("view")));
        Assert.Null(BootstrapReconciliation.Reconcile(Desired("system:node"), Desired("system:node")));
    }

    [Fact]
    public void Reconcile_RoleMissingRuleWithExtraRule_AddsMissingKeepsExtra()
    {
        var existing = Desired("system:basic-user");
        existing.Rules.RemoveAt(1);
        existing.Rules.Add(Rule(["get"], [""], ["configmaps"]));

        var result = BootstrapReconciliation.Reconcile(existing, Desired("system:basic-user"));

        Assert.NotNull(result);
        Assert.Contains(result.Rules, r => r.Resources.Contains("configmaps"));
        Assert.Contains(result.Rules, r => r.Resources.Contains("selfsubjectreviews"));
        Assert.Equal(2, existing.Rules.Count);
    }

    [Fact]
    public void Reconcile_AutoupdateFalse_LeftAlone()
    {
        var existing = ClusterRole("system:basic-user");
        existing.Metadata.Annotations = new Dictionary<string, string> { ["rbac.authorization.kubernetes.io/autoupdate"] = "false" };

        Assert.Null(BootstrapReconciliation.Reconcile(existing, Desired("system:basic-user")));
    }

    [Fact]
    public void Reconcile_BindingMissingSubject_AddsIt()
    {
        var existing = DesiredBinding("system:public-info-viewer");
        existing.Subjects.RemoveAt(1);
        existing.Subjects.Add(User("extra"));

        var result = BootstrapReconciliation.Reconcile(existing, DesiredBinding("system:public-info-viewer"), out var recreate);

        Assert.NotNull(result);
        Assert.False(recreate);
        Assert.Equal(["system:authenticated", "extra", "system:unauthenticated"], result.Subjects.Select(s => s.Name));
    }

    [Fact]
    public void Reconcile_BindingWithOtherRoleRef_Recreates()
    {
        var existing = DesiredBinding("cluster-admin");
        existing.RoleRef.Name = "view";

        var result = BootstrapReconciliation.Reconcile(existing, DesiredBinding("cluster-admin"), out var recreate);

        Assert.True(recreate);
        Assert.Equal("cluster-admin", result!.RoleRef.Name);
    }

    [Fact]
    public void Reconcile_UpToDateBinding_NothingToDo()
    {
        Assert.Null(BootstrapReconciliation.Reconcile(DesiredBinding("cluster-admin"), DesiredBinding("cluster-admin"), out _));
    }
}
