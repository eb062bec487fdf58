using Capstan.ApiServer.Security;
using k8s.Models;
using static Capstan.ApiServer.Tests.Security.Rbac;

namespace Capstan.ApiServer.Tests.Security;

public sealed class ClusterRoleAggregationTests
{
    private static V1ClusterRole Labelled(string name, Dictionary<string, string> labels, params V1PolicyRule[] rules)
    {
        var role = ClusterRole(name, rules);
        role.Metadata.Labels = labels;
        return role;
    }

    private static V1ClusterRole Aggregated(string name, params V1LabelSelector[] selectors)
    {
        var role = ClusterRole(name);
        role.Rules = null;
        role.AggregationRule = new V1AggregationRule { ClusterRoleSelectors = selectors };
        return role;
    }

    [Fact]
    public void Compute_MatchLabels_UnionsRulesByNameWithoutDuplicates()
    {
        var target = Aggregated("monitoring", new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["agg"] = "mon" } });
        var all = new[]
        {
            target,
            Labelled("b-part", new() { ["agg"] = "mon" }, Rule(["get"], [""], ["pods"]), Rule(["list"], [""], ["nodes"])),
            Labelled("a-part", new() { ["agg"] = "mon" }, Rule(["get"], [""], ["pods"])),
            Labelled("unrelated", new() { ["agg"] = "other" }, Rule(["*"], ["*"], ["*"])),
        };

        var rules = ClusterRoleAggregation.Compute(target, all);

        Assert.Equal(2, rules.Count);
        Assert.Equal(["pods"], rules[0].Resources);
        Assert.Equal(["nodes"], rules[1].Resources);
    }

    [Fact]
    public void Compute_MatchExpressions_InNotInExistsDoesNotExist()
    {
        var target = Aggregated("t", new V1LabelSelector
        {
            MatchExpressions =
            [
                new V1LabelSelectorRequirement { Key = "tier", OperatorProperty = "In", Values = ["a", "b"] },
                new V1LabelSelectorRequirement { Key = "env", OperatorProperty = "NotIn", Values = ["prod"] },
                new V1LabelSelectorRequirement { Key = "team", OperatorProperty = "Exists" },
                new V1LabelSelectorRequirement { Key = "legacy", OperatorProperty = "DoesNotExist" },
            ],
        });
        var all = new[]
        {
            Labelled("match", new() { ["tier"] = "a", ["team"] = "x" }, Rule(["get"], [""], ["one"])),
            Labelled("prod", new() { ["tier"] = "a", ["team"] = "x", ["env"] = "prod" }, Rule(["get"], [""], ["two"])),
            Labelled("legacy", new() { ["tier"] = "b", ["team"] = "x", ["legacy"] = "" }, Rule(["get"], [""], ["three"])),
            Labelled("no-team", new() { ["tier"] = "b" }, Rule(["get"], [""], ["four"])),
            Labelled("wrong-tier", new() { ["tier"] = "c", ["team"] = "x" }, Rule(["get"], [""], ["five"])),
        };

        var rules = ClusterRoleAggregation.Compute(target, all);

        Assert.Equal(["one"], Assert.Single(rules).Resources);
    }

    [Fact]
    public void Compute_NotAggregated_ReturnsOwnRules()
    {
        var role = ClusterRole("plain", Rule(["get"], [""], ["pods"]));

        Assert.Equal(["pods"], Assert.Single(ClusterRoleAggregation.Compute(role, [role])).Resources);
    }

    [Fact]
    public void ComputeAll_NestedAggregation_ReachesFixedPoint()
    {
        var view = Aggregated("view", new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["to-view"] = "true" } });
        view.Metadata.Labels = new Dictionary<string, string> { ["to-edit"] = "true" };
        var edit = Aggregated("edit", new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["to-edit"] = "true" } });
        var all = new[]
        {
            edit,
            view,
            Labelled("view-part", new() { ["to-view"] = "true" }, Rule(["get"], [""], ["pods"])),
            Labelled("edit-part", new() { ["to-edit"] = "true" }, Rule(["delete"], [""], ["pods"])),
        };

        var result = ClusterRoleAggregation.ComputeAll(all);

        Assert.Single(result["view"]);
        Assert.Equal(2, result["edit"].Count);
        Assert.True(ClusterRoleAggregation.Selects(edit, view));
        Assert.False(ClusterRoleAggregation.Selects(view, edit));
    }

    [Fact]
    public void Authorize_AggregatedClusterRole_GrantsAggregatedRules()
    {
        var target = Aggregated("monitoring", new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["agg"] = "mon" } });
        var part = Labelled("part", new() { ["agg"] = "mon" }, Rule(["get"], [""], ["pods"]));
        target.Rules = ClusterRoleAggregation.Compute(target, [target, part]);
        var source = new InMemoryRbacSource(
            clusterRoles: [target, part],
            clusterRoleBindings: [ClusterRoleBinding("b", "monitoring", User("jane"))]);

        var decision = new RbacAuthorizer().Authorize(
            new UserInfo("jane"), RequestAttributes.ForResource("get", "", "pods", "default", "x"), source);

        Assert.True(decision.Allowed);
    }
}
