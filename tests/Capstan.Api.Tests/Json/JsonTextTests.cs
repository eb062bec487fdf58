using System.Reflection;
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

    [Fact]
    public void Same_LargeTrees_ComparedAndBuffersReusedAfter()
    {
        var big = new string('x', 200_000);
        Assert.True(JsonText.Same(new JsonObject { ["a"] = big }, new JsonObject { ["a"] = big }));
        Assert.False(JsonText.Same(new JsonObject { ["a"] = big }, new JsonObject { ["a"] = big + "y" }));
        Assert.True(JsonText.Same(JsonNode.Parse("""{"a":1}"""), JsonNode.Parse("""{"a":1}""")));
    }

    [Fact]
    public void Same_LazyTrees_NotMaterialised()
    {
        var a = JsonNode.Parse("""{"spec":{"containers":[{"name":"c"}]}}""")!.AsObject();
        var b = JsonNode.Parse("""{"spec":{"containers":[{"name":"c"}]}}""")!.AsObject();

        Assert.True(JsonText.Same(a["spec"], b["spec"]));
        Assert.False(IsMaterialised(a["spec"]!.AsObject()));
        Assert.False(IsMaterialised(b["spec"]!.AsObject()));
    }

    // JsonObject keeps its JsonElement until a member is first read, then builds its dictionary.
    private static bool IsMaterialised(JsonObject obj) =>
        typeof(JsonObject).GetField("_dictionary", BindingFlags.Instance | BindingFlags.NonPublic)!.GetValue(obj) is not null;
}
