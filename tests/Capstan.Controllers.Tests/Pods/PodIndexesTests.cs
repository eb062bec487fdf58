using System.Text.Json.Nodes;
using Capstan.Client.Cache;
using Capstan.Controllers.Pods;

namespace Capstan.Controllers.Tests.Pods;

public sealed class PodIndexesTests
{
    private static JsonObject Pod(string name, string? phase, bool deleting, string? node = null)
    {
        var meta = new JsonObject { ["name"] = name, ["namespace"] = "ns", ["uid"] = "uid-" + name, ["resourceVersion"] = "1" };
        if (deleting)
        {
            meta["deletionTimestamp"] = "2026-11-26T10:00:00Z";
        }

        var pod = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Pod", ["metadata"] = meta, ["spec"] = new JsonObject() };
        if (node is not null)
        {
            pod["spec"]!["nodeName"] = node;
        }

        if (phase is not null)
        {
            pod["status"] = new JsonObject { ["phase"] = phase };
        }

        return pod;
    }

    [Theory]
    [InlineData(null, false, "")]
    [InlineData("Running", false, "")]
    [InlineData("Succeeded", false, "terminal")]
    [InlineData("Failed", false, "terminal")]
    [InlineData("Running", true, "deleting")]
    [InlineData("Failed", true, "terminal,deleting")]
    public void LifecycleOf_PhaseAndDeletion_Values(string? phase, bool deleting, string expected)
    {
        Assert.Equal(expected, string.Join(',', PodIndexes.LifecycleOf(Pod("p", phase, deleting))));
    }

    [Fact]
    public void EnsureLifecycle_IndexFollowsUpdates_AndSecondCallIsHarmless()
    {
        var cache = new IndexedCache(serialized: true);
        PodIndexes.EnsureLifecycle(cache);
        PodIndexes.EnsureLifecycle(cache);
        cache.Upsert(Pod("p", "Running", deleting: false, node: "n1"));
        Assert.Empty(cache.ByIndex(PodIndexes.Lifecycle, PodIndexes.Terminal));

        cache.Upsert(Pod("p", "Succeeded", deleting: false, node: "n1"));
        Assert.Single(cache.ByIndex(PodIndexes.Lifecycle, PodIndexes.Terminal));
        Assert.Empty(cache.ByIndex(PodIndexes.Lifecycle, PodIndexes.Deleting));

        cache.Upsert(Pod("p", "Succeeded", deleting: true, node: "n1"));
        Assert.Single(cache.ByIndex(PodIndexes.Lifecycle, PodIndexes.Deleting));

        cache.Delete("ns/p");
        Assert.Empty(cache.IndexValues(PodIndexes.Lifecycle));
    }

    [Fact]
    public void EnsureNodeName_IndexValuesAreTheBoundNodes()
    {
        var cache = new IndexedCache(serialized: true);
        PodIndexes.EnsureNodeName(cache);
        cache.Upsert(Pod("a", null, deleting: false));
        cache.Upsert(Pod("b", "Running", deleting: false, node: "n1"));
        cache.Upsert(Pod("c", "Running", deleting: false, node: "n2"));
        Assert.Equal(["n1", "n2"], cache.IndexValues(PodIndexes.NodeName).Order(StringComparer.Ordinal));
    }
}
