using System.Text.Json.Nodes;
using Capstan.Controllers.DaemonSet;

namespace Capstan.Controllers.Tests.DaemonSet;

public sealed class DaemonSetRevisionsTests
{
    [Fact]
    public void Hash_SameTemplate_Stable()
    {
        Assert.Equal(DaemonSetRevisions.Hash(Ds("nginx:1")), DaemonSetRevisions.Hash(Ds("nginx:1")));
    }

    [Fact]
    public void Hash_TemplateChanged_Differs()
    {
        Assert.NotEqual(DaemonSetRevisions.Hash(Ds("nginx:1")), DaemonSetRevisions.Hash(Ds("nginx:2")));
    }

    [Fact]
    public void Hash_CollisionCount_Differs()
    {
        var ds = Ds("nginx:1");
        var plain = DaemonSetRevisions.Hash(ds);
        ds["status"] = new JsonObject { ["collisionCount"] = 1 };
        Assert.NotEqual(plain, DaemonSetRevisions.Hash(ds));
    }

    [Fact]
    public void Build_RevisionObject_NamedByHashWithReplacePatch()
    {
        var ds = Ds("nginx:1");
        var hash = DaemonSetRevisions.Hash(ds);
        var revision = DaemonSetRevisions.Build(ds, hash, 3);
        Assert.Equal($"agent-{hash}", (string?)revision["metadata"]!["name"]);
        Assert.Equal(hash, (string?)revision["metadata"]!["labels"]!["controller-revision-hash"]);
        Assert.Equal(3, (long)revision["revision"]!);
        Assert.Equal("replace", (string?)revision["data"]!["spec"]!["template"]!["$patch"]);
        Assert.Equal("nginx:1", (string?)revision["data"]!["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]);
        Assert.True((bool)revision["metadata"]!["ownerReferences"]![0]!["controller"]!);
    }

    [Fact]
    public void DaemonPodsBuild_Node_PinnedByMatchFieldsWithHashLabel()
    {
        var pod = DaemonPods.Build(Ds("nginx:1"), "n7", "abc");
        Assert.Equal("n7", DaemonPods.TargetNode(pod));
        Assert.Equal("abc", DaemonPods.Hash(pod));
        Assert.Equal("agent", (string?)pod["metadata"]!["labels"]!["app"]);
        Assert.Equal(6, pod["spec"]!["tolerations"]!.AsArray().Count);
    }

    [Theory]
    [InlineData(null, 10, 1)]
    [InlineData("3", 10, 3)]
    [InlineData("\"25%\"", 10, 3)]
    [InlineData("0", 10, 1)]
    public void MaxUnavailable_Values_Resolved(string? value, int desired, int expected)
    {
        var ds = Ds("nginx:1");
        if (value is not null)
        {
            ds["spec"]!["updateStrategy"] = JsonNode.Parse("""{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":""" + value + "}}");
        }

        Assert.Equal(expected, DaemonSetController.MaxUnavailable(ds, desired));
    }

    private static JsonObject Ds(string image) => JsonNode.Parse("""
        {"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"name":"agent","namespace":"default","uid":"u1"},
         "spec":{"selector":{"matchLabels":{"app":"agent"}},
                 "template":{"metadata":{"labels":{"app":"agent"}},"spec":{"containers":[{"name":"c","image":"IMAGE"}]}}}}
        """.Replace("IMAGE", image, StringComparison.Ordinal))!.AsObject();
}
