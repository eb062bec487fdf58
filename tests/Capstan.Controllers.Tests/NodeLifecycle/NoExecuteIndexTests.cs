using System.Text.Json.Nodes;
using Capstan.Client.Cache;
using Capstan.Controllers.NodeLifecycle;

namespace Capstan.Controllers.Tests.NodeLifecycle;

public sealed class NoExecuteIndexTests
{
    private static JsonObject Node(string name, params (string Key, string Effect)[] taints)
    {
        var node = new JsonObject { ["metadata"] = new JsonObject { ["name"] = name, ["resourceVersion"] = "1" }, ["spec"] = new JsonObject() };
        if (taints.Length > 0)
        {
            node["spec"]!["taints"] = new JsonArray([.. taints.Select(t => (JsonNode)new JsonObject { ["key"] = t.Key, ["effect"] = t.Effect })]);
        }

        return node;
    }

    [Fact]
    public void Index_AgreesWithNoExecuteTaints_AsTaintsComeAndGo()
    {
        var nodes = new IndexedCache(serialized: true);
        TaintEvictionController.EnsureNoExecuteIndex(nodes);
        TaintEvictionController.EnsureNoExecuteIndex(nodes);
        var versions = new[]
        {
            Node("n"),
            Node("n", ("dedicated", "NoSchedule")),
            Node("n", ("dedicated", "NoSchedule"), ("node.kubernetes.io/unreachable", "NoExecute")),
            Node("n", ("dedicated", "PreferNoSchedule")),
        };

        foreach (var version in versions)
        {
            nodes.Upsert(version);
            Assert.Equal(Tolerations.NoExecuteTaints(nodes.Get("n")).Count > 0, nodes.CountByIndex(TaintEvictionController.NoExecuteTaintedIndex, "n") > 0);
        }

        nodes.Upsert(versions[2]);
        Assert.Equal(1, nodes.CountByIndex(TaintEvictionController.NoExecuteTaintedIndex, "n"));
        nodes.Delete("n");
        Assert.Equal(0, nodes.CountByIndex(TaintEvictionController.NoExecuteTaintedIndex, "n"));
    }
}
