using System.Text.Json.Nodes;
using Capstan.Api.Quota;

namespace Capstan.Api.Tests.Quota;

public sealed class QuotaEvaluatorTests
{
    [Theory]
    [InlineData("requests.cpu", "pods")]
    [InlineData("cpu", "pods")]
    [InlineData("limits.memory", "pods")]
    [InlineData("requests.nvidia.com/gpu", "pods")]
    [InlineData("requests.storage", "persistentvolumeclaims")]
    [InlineData("gold.storageclass.storage.k8s.io/requests.storage", "persistentvolumeclaims")]
    [InlineData("services.nodeports", "services")]
    [InlineData("count/deployments.apps", "deployments.apps")]
    [InlineData("configmaps", "configmaps")]
    [InlineData("example.com/widgets", null)]
    public void GroupResourceOf_Names(string name, string? expected) => Assert.Equal(expected, QuotaEvaluator.GroupResourceOf(name));

    [Fact]
    public void Usage_Pod_SumsContainersTakesInitPeakAddsOverhead()
    {
        var pod = Parse("""
            {"spec":{"overhead":{"cpu":"10m"},
             "initContainers":[{"name":"i","resources":{"requests":{"cpu":"1"}}}],
             "containers":[{"name":"a","resources":{"requests":{"cpu":"200m","memory":"64Mi"},"limits":{"memory":"128Mi"}}},
                           {"name":"b","resources":{"requests":{"cpu":"300m","memory":"64Mi"}}}]}}
            """);

        var usage = QuotaEvaluator.Usage("pods", pod);

        Assert.Equal("1010m", usage["requests.cpu"].ToString());
        Assert.Equal("1010m", usage["cpu"].ToString());
        Assert.Equal("128Mi", usage["requests.memory"].ToString());
        Assert.Equal("128Mi", usage["limits.memory"].ToString());
        Assert.Equal("1", usage["pods"].ToString());
        Assert.False(usage.ContainsKey("limits.cpu"));
    }

    [Fact]
    public void Usage_LoadBalancer_CountsNodePortsAndBalancer()
    {
        var usage = QuotaEvaluator.Usage("services", Parse("""{"spec":{"type":"LoadBalancer","ports":[{"port":1},{"port":2}]}}"""));

        Assert.Equal(("2", "1", "1"), (usage["services.nodeports"].ToString(), usage["services.loadbalancers"].ToString(), usage["count/services"].ToString()));
    }

    [Theory]
    [InlineData("""{"scopes":["BestEffort"]}""", """{"containers":[{"name":"c"}]}""", true)]
    [InlineData("""{"scopes":["NotBestEffort"]}""", """{"containers":[{"name":"c"}]}""", false)]
    [InlineData("""{"scopes":["Terminating"]}""", """{"activeDeadlineSeconds":5,"containers":[]}""", true)]
    [InlineData("""{"scopes":["NotTerminating"]}""", """{"activeDeadlineSeconds":5,"containers":[]}""", false)]
    [InlineData("""{"scopeSelector":{"matchExpressions":[{"scopeName":"PriorityClass","operator":"In","values":["high"]}]}}""", """{"priorityClassName":"high"}""", true)]
    [InlineData("""{"scopeSelector":{"matchExpressions":[{"scopeName":"PriorityClass","operator":"In","values":["high"]}]}}""", """{"priorityClassName":"low"}""", false)]
    [InlineData("""{"scopeSelector":{"matchExpressions":[{"scopeName":"PriorityClass","operator":"DoesNotExist"}]}}""", """{}""", true)]
    [InlineData("""{}""", """{}""", true)]
    public void MatchesScopes_Pods(string quotaSpec, string podSpec, bool expected) =>
        Assert.Equal(expected, QuotaEvaluator.MatchesScopes(Parse(quotaSpec), "pods", new JsonObject { ["spec"] = Parse(podSpec) }));

    [Fact]
    public void MatchesScopes_ScopedQuota_IgnoresOtherKinds() =>
        Assert.False(QuotaEvaluator.MatchesScopes(Parse("""{"scopes":["BestEffort"]}"""), "configmaps", new JsonObject()));

    [Fact]
    public void MissingPodResources_ListsEachResourceWithItsContainers()
    {
        var spec = Parse("""{"containers":[{"name":"web","resources":{"requests":{"memory":"1Mi"}}},{"name":"log"}],"initContainers":[{"name":"init","resources":{"limits":{"cpu":"1"},"requests":{"cpu":"1","memory":"1Mi"}}}]}""");

        Assert.Equal("must specify limits.cpu for: log,web; requests.memory for: log",
            QuotaEvaluator.MissingPodResources(spec, ["limits.cpu", "requests.memory", "pods"]));
        Assert.Null(QuotaEvaluator.MissingPodResources(spec, ["pods", "requests.storage"]));
    }

    [Fact]
    public void Counts_FinishedPods_DoNotCount()
    {
        Assert.False(QuotaEvaluator.Counts("pods", Parse("""{"status":{"phase":"Succeeded"}}""")));
        Assert.True(QuotaEvaluator.Counts("pods", Parse("""{"status":{"phase":"Running"}}""")));
    }

    private static JsonObject Parse(string json) => (JsonObject)JsonNode.Parse(json)!;
}
