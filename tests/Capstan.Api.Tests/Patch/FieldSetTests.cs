using System.Text.Json.Nodes;
using Capstan.Api.Patch;

namespace Capstan.Api.Tests.Patch;

public sealed class FieldSetTests
{
    [Fact]
    public void FromFieldsV1_KubernetesSample_RoundTrips()
    {
        var fieldsV1 = JsonNode.Parse("""
            {"f:metadata":{"f:annotations":{".":{},"f:kubectl.kubernetes.io/last-applied-configuration":{}}},
             "f:spec":{"f:containers":{"k:{\"name\":\"nginx\"}":{".":{},"f:image":{},"f:name":{}}},"f:finalizers":{"v:\"a\"":{}}}}
            """)!.AsObject();

        var set = FieldSet.FromFieldsV1(fieldsV1);

        Assert.True(JsonNode.DeepEquals(fieldsV1, set.ToFieldsV1()));
        Assert.True(set.Contains(["f:metadata", "f:annotations"]));
        Assert.True(set.Contains(["f:spec", "f:containers", "k:{\"name\":\"nginx\"}"]));
        Assert.False(set.Contains(["f:spec", "f:containers"]));
        Assert.True(set.ContainsOrHasBelow(["f:spec", "f:containers"]));
    }

    [Fact]
    public void FromFieldsV1_UnsortedKey_IsNormalized()
    {
        var set = FieldSet.FromFieldsV1(JsonNode.Parse("""{"f:ports":{"k:{\"protocol\":\"TCP\", \"port\":80}":{}}}""")!.AsObject());

        Assert.True(set.Contains(["f:ports", "k:{\"port\":80,\"protocol\":\"TCP\"}"]));
    }

    [Fact]
    public void ExceptWith_RemovesPathsAndPrunesEmptyNodes()
    {
        var a = new FieldSet();
        a.Insert(["f:spec", "f:replicas"]);
        a.Insert(["f:spec", "f:paused"]);
        var b = new FieldSet();
        b.Insert(["f:spec", "f:replicas"]);

        a.ExceptWith(b);

        Assert.Equal("""{"f:spec":{"f:paused":{}}}""", a.ToString());
        a.ExceptWith(a.Clone());
        Assert.True(a.IsEmpty);
    }

    [Theory]
    [InlineData(new[] { "f:spec", "f:replicas" }, ".spec.replicas")]
    [InlineData(new[] { "f:spec", "f:ports", "k:{\"port\":80,\"protocol\":\"TCP\"}", "f:name" }, ".spec.ports[port=80,protocol=\"TCP\"].name")]
    [InlineData(new[] { "f:metadata", "f:finalizers", "v:\"a\"" }, ".metadata.finalizers[=\"a\"]")]
    public void FormatPath_Elements_PrintsKubernetesStyle(string[] path, string expected)
    {
        Assert.Equal(expected, FieldSet.FormatPath(path));
    }
}
