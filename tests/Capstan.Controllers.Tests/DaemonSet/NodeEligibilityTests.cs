using System.Text.Json.Nodes;
using Capstan.Controllers.DaemonSet;

namespace Capstan.Controllers.Tests.DaemonSet;

public sealed class NodeEligibilityTests
{
    [Fact]
    public void Evaluate_PlainNodeAndSpec_ShouldRun()
    {
        Assert.Equal((true, true), NodeEligibility.Evaluate(Node("n1"), new JsonObject()));
    }

    [Fact]
    public void Evaluate_NodeSelectorMismatch_ShouldNotRun()
    {
        var spec = JsonNode.Parse("""{"nodeSelector":{"disk":"ssd"}}""")!.AsObject();
        Assert.Equal((false, false), NodeEligibility.Evaluate(Node("n1", labels: """{"disk":"hdd"}"""), spec));
        Assert.Equal((true, true), NodeEligibility.Evaluate(Node("n1", labels: """{"disk":"ssd"}"""), spec));
    }

    [Theory]
    [InlineData("""{"key":"zone","operator":"In","values":["a","b"]}""", true)]
    [InlineData("""{"key":"zone","operator":"NotIn","values":["a"]}""", false)]
    [InlineData("""{"key":"zone","operator":"Exists"}""", true)]
    [InlineData("""{"key":"gpu","operator":"DoesNotExist"}""", true)]
    [InlineData("""{"key":"cores","operator":"Gt","values":["4"]}""", true)]
    [InlineData("""{"key":"cores","operator":"Lt","values":["4"]}""", false)]
    public void Evaluate_RequiredNodeAffinityExpression_MatchesLabels(string expression, bool expected)
    {
        var spec = JsonNode.Parse("""{"affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[{"matchExpressions":[""" + expression + "]}]}}}}")!.AsObject();
        Assert.Equal(expected, NodeEligibility.Evaluate(Node("n1", labels: """{"zone":"a","cores":"8"}"""), spec).ShouldRun);
    }

    [Fact]
    public void Evaluate_MatchFieldsMetadataName_OnlyThatNode()
    {
        var spec = JsonNode.Parse("""{"affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[{"matchFields":[{"key":"metadata.name","operator":"In","values":["n2"]}]}]}}}}""")!.AsObject();
        Assert.False(NodeEligibility.Evaluate(Node("n1"), spec).ShouldRun);
        Assert.True(NodeEligibility.Evaluate(Node("n2"), spec).ShouldRun);
    }

    [Theory]
    [InlineData("node.kubernetes.io/not-ready", "NoExecute")]
    [InlineData("node.kubernetes.io/unreachable", "NoExecute")]
    [InlineData("node.kubernetes.io/disk-pressure", "NoSchedule")]
    [InlineData("node.kubernetes.io/memory-pressure", "NoSchedule")]
    [InlineData("node.kubernetes.io/pid-pressure", "NoSchedule")]
    [InlineData("node.kubernetes.io/unschedulable", "NoSchedule")]
    public void Evaluate_DefaultToleratedTaint_ShouldRun(string key, string effect)
    {
        var node = Node("n1", taints: $$"""[{"key":"{{key}}","effect":"{{effect}}"}]""");
        Assert.Equal((true, true), NodeEligibility.Evaluate(node, new JsonObject()));
    }

    [Fact]
    public void Evaluate_UntoleratedNoScheduleTaint_MayContinueButNotStart()
    {
        var node = Node("n1", taints: """[{"key":"dedicated","value":"db","effect":"NoSchedule"}]""");
        Assert.Equal((false, true), NodeEligibility.Evaluate(node, new JsonObject()));
        var tolerating = JsonNode.Parse("""{"tolerations":[{"key":"dedicated","operator":"Equal","value":"db"}]}""")!.AsObject();
        Assert.Equal((true, true), NodeEligibility.Evaluate(node, tolerating));
    }

    [Fact]
    public void Evaluate_UntoleratedNoExecuteTaint_ShouldNotRunOrContinue()
    {
        var node = Node("n1", taints: """[{"key":"dedicated","value":"db","effect":"NoExecute"}]""");
        Assert.Equal((false, false), NodeEligibility.Evaluate(node, new JsonObject()));
    }

    [Fact]
    public void WithDefaultTolerations_ExistingSameKeyAndEffect_NotDuplicated()
    {
        var spec = JsonNode.Parse("""{"tolerations":[{"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute","tolerationSeconds":30}]}""")!.AsObject();
        var result = NodeEligibility.WithDefaultTolerations(spec);
        Assert.Equal(6, result.Count);
        Assert.Single(result, t => (string?)t!["key"] == "node.kubernetes.io/not-ready");
    }

    [Fact]
    public void Evaluate_HostNetworkOnNetworkUnavailableNode_ShouldRun()
    {
        var node = Node("n1", taints: """[{"key":"node.kubernetes.io/network-unavailable","effect":"NoSchedule"}]""");
        Assert.False(NodeEligibility.Evaluate(node, new JsonObject()).ShouldRun);
        Assert.True(NodeEligibility.Evaluate(node, new JsonObject { ["hostNetwork"] = true }).ShouldRun);
    }

    private static JsonObject Node(string name, string labels = "{}", string taints = "[]") =>
        JsonNode.Parse($$$"""{"metadata":{"name":"{{{name}}}","labels":{{{labels}}}},"spec":{"taints":{{{taints}}}}}""")!.AsObject();
}
