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

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void ExceptWith_RandomSets_SameAsRemovingEachPath(int seed)
    {
        var random = new Random(seed);
        string[] elements = ["f:a", "f:b", "k:{\"name\":\"x\"}", "v:\"y\"", "f:c"];
        FieldSet RandomSet()
        {
            var set = new FieldSet();
            for (var i = random.Next(12); i > 0; i--)
            {
                set.Insert(Enumerable.Range(0, random.Next(1, 4)).Select(_ => elements[random.Next(elements.Length)]).ToArray());
            }

            return set;
        }

        for (var i = 0; i < 500; i++)
        {
            var set = RandomSet();
            var other = RandomSet();
            var expected = set.Clone();
            foreach (var path in other.Paths().ToList())
            {
                expected.Remove(path);
            }

            set.ExceptWith(other);

            Assert.Equal(expected.ToString(), set.ToString());
            Assert.Equal(expected.Paths().Select(FieldSet.FormatPath), set.Paths().Select(FieldSet.FormatPath));
        }
    }

    [Fact]
    public void FromFieldsV1_SameKeyDecodedTwice_NormalizedTheSame()
    {
        var fieldsV1 = JsonNode.Parse("""{"f:spec":{"f:ports":{"k:{\"protocol\":\"TCP\",\"port\":80}":{".":{},"f:port":{}}}}}""")!.AsObject();

        var first = FieldSet.FromFieldsV1(fieldsV1);
        var second = FieldSet.FromFieldsV1(fieldsV1);

        Assert.True(second.Contains(["f:spec", "f:ports", "k:{\"port\":80,\"protocol\":\"TCP\"}"]));
        Assert.Equal(first.ToString(), second.ToString());
    }
}
