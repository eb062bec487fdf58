using System.Text.Json.Nodes;
using Capstan.Api.Json;

namespace Capstan.Api.Tests.Json;

public sealed class YamlJsonTests
{
    [Theory]
    [InlineData("replicas: 2", "{\"replicas\":2}")]
    [InlineData("on: true\nname: \"007\"", "{\"on\":true,\"name\":\"007\"}")]
    [InlineData("v: 1.5", "{\"v\":1.5}")]
    [InlineData("v: ~", "{\"v\":null}")]
    [InlineData("v: !!str 12", "{\"v\":\"12\"}")]
    [InlineData("v: 10Gi", "{\"v\":\"10Gi\"}")]
    [InlineData("list:\n- a\n- 3", "{\"list\":[\"a\",3]}")]
    public void Parse_PlainAndQuotedScalars_TypedAsKubernetesReadsThem(string yaml, string json)
    {
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(json), YamlJson.Parse(yaml)));
    }

    [Fact]
    public void Parse_Malformed_ThrowsYamlJsonException()
    {
        Assert.Throws<YamlJsonException>(() => YamlJson.Parse("a: [1, 2"));
    }
}
