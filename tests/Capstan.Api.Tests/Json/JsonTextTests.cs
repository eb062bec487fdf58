using System.Text.Json.Nodes;
using Capstan.Api.Json;

namespace Capstan.Api.Tests.Json;

public sealed class JsonTextTests
{
    [Theory]
    [InlineData("""{"a":[1,{"b":"x"}],"c":null}""", """{"a":[1,{"b":"x"}],"c":null}""", true)]
    [InlineData("""{"a":1,"c":2}""", """{"c":2,"a":1}""", false)]
    [InlineData("""[1.0]""", """[1]""", false)]
    [InlineData("""{"a":"\u0041"}""", """{"a":"A"}""", true)]
    [InlineData("""{"a":{}}""", """{"a":{"b":{}}}""", false)]
    public void Same_ParsedNodes_ComparesTheirText(string a, string b, bool expected)
    {
        Assert.Equal(expected, JsonText.Same(JsonNode.Parse(a), JsonNode.Parse(b)));
    }

    [Fact]
    public void Same_BuiltAndParsedNodes_ComparesTheirText()
    {
        var parsed = JsonNode.Parse("""{"manager":"m","fieldsV1":{"f:a":{}}}""");
        var built = new JsonObject { ["manager"] = "m", ["fieldsV1"] = new JsonObject { ["f:a"] = new JsonObject() } };

        Assert.True(JsonText.Same(parsed, built));
        Assert.True(JsonText.Same(parsed, parsed!.DeepClone()));
        Assert.False(JsonText.Same(parsed, null));
        Assert.True(JsonText.Same(null, null));
    }
}
