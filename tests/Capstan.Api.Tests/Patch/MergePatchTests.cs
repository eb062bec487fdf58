using System.Text.Json.Nodes;
using Capstan.Api.Patch;

namespace Capstan.Api.Tests.Patch;

public sealed class MergePatchTests
{
    // The examples of RFC 7386, appendix A.
    [Theory]
    [InlineData("""{"a":"b"}""", """{"a":"c"}""", """{"a":"c"}""")]
    [InlineData("""{"a":"b"}""", """{"b":"c"}""", """{"a":"b","b":"c"}""")]
    [InlineData("""{"a":"b"}""", """{"a":null}""", """{}""")]
    [InlineData("""{"a":"b","b":"c"}""", """{"a":null}""", """{"b":"c"}""")]
    [InlineData("""{"a":["b"]}""", """{"a":"c"}""", """{"a":"c"}""")]
    [InlineData("""{"a":"c"}""", """{"a":["b"]}""", """{"a":["b"]}""")]
    [InlineData("""{"a":{"b":"c"}}""", """{"a":{"b":"d","c":null}}""", """{"a":{"b":"d"}}""")]
    [InlineData("""{"a":[{"b":"c"}]}""", """{"a":[1]}""", """{"a":[1]}""")]
    [InlineData("""["a","b"]""", """["c","d"]""", """["c","d"]""")]
    [InlineData("""{"a":"b"}""", """["c"]""", """["c"]""")]
    [InlineData("""{"e":null}""", """{"a":1}""", """{"e":null,"a":1}""")]
    [InlineData("""[1,2]""", """{"a":"b","c":null}""", """{"a":"b"}""")]
    [InlineData("""{}""", """{"a":{"bb":{"ccc":null}}}""", """{"a":{"bb":{}}}""")]
    [InlineData("""{"metadata":{"labels":{"a":"1","b":"2"}}}""", """{"metadata":{"labels":{"a":null,"c":"3"}}}""", """{"metadata":{"labels":{"b":"2","c":"3"}}}""")]
    public void Apply_Rfc7386Examples_ProduceExpectedResult(string target, string patch, string expected)
    {
        var original = JsonNode.Parse(target);

        var result = MergePatch.Apply(original, JsonNode.Parse(patch));

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), result), result?.ToJsonString());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(target), original));
    }
}
