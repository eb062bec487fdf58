using System.Text.Json.Nodes;
using Capstan.Controllers.Deployment;

namespace Capstan.Controllers.Tests.Deployment;

public sealed class PodTemplateHashTests
{
    private static JsonObject Template(string image) => (JsonObject)JsonNode.Parse(
        $$$"""{"metadata":{"labels":{"app":"web","tier":"front"}},"spec":{"containers":[{"name":"c","image":"{{{image}}}"}]}}""")!;

    [Fact]
    public void Compute_SameTemplate_SameValueFromTheSafeAlphabet()
    {
        var a = PodTemplateHash.Compute(Template("nginx"), null);
        var b = PodTemplateHash.Compute(Template("nginx"), null);

        Assert.Equal(a, b);
        Assert.InRange(a.Length, 1, 10);
        Assert.All(a, c => Assert.Contains(c, "bcdfghjklmnpqrstvwxz2456789"));
    }

    [Fact]
    public void Compute_KeyOrderAndNulls_DoNotMatter()
    {
        var reordered = (JsonObject)JsonNode.Parse(
            """{"spec":{"containers":[{"image":"nginx","name":"c"}]},"metadata":{"creationTimestamp":null,"labels":{"tier":"front","app":"web"}}}""")!;

        Assert.Equal(PodTemplateHash.Compute(Template("nginx"), null), PodTemplateHash.Compute(reordered, null));
    }

    [Fact]
    public void Compute_OtherTemplateOrCollisionCount_OtherValue()
    {
        var baseline = PodTemplateHash.Compute(Template("nginx"), null);

        Assert.NotEqual(baseline, PodTemplateHash.Compute(Template("httpd"), null));
        Assert.NotEqual(baseline, PodTemplateHash.Compute(Template("nginx"), 1));
        Assert.NotEqual(PodTemplateHash.Compute(Template("nginx"), 1), PodTemplateHash.Compute(Template("nginx"), 2));
    }

    [Theory]
    [InlineData("0123456789", "456789bcdf")]
    [InlineData("42", "86")]
    public void SafeEncode_Digits_MapByCodeModuloAlphabet(string input, string expected) =>
        Assert.Equal(expected, PodTemplateHash.SafeEncode(input));
}
