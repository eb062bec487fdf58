using System.Reflection;
using System.Text.Json.Nodes;
using Capstan.Client.Dynamic;

namespace Capstan.Controllers.Tests.Client;

public sealed class SerializedEqualityTests
{
    [Theory]
    [InlineData("""{"a":1,"b":[{"c":"x"}]}""", """{"a":1,"b":[{"c":"x"}]}""", true)]
    [InlineData("""{"a":1,"b":[{"c":"x"}]}""", """{"a":1,"b":[{"c":"y"}]}""", false)]
    [InlineData("""{"a":1}""", """{"a":1,"b":2}""", false)]
    [InlineData("""{"a":"\u00e9"}""", """{"a":"é"}""", true)]
    [InlineData("""[1,2]""", """[2,1]""", false)]
    public void SameBytes_ParsedTrees_AgreesWithDeepEquals(string left, string right, bool expected)
    {
        var a = JsonNode.Parse(left);
        var b = JsonNode.Parse(right);

        Assert.Equal(expected, SerializedEquality.SameBytes(a, b));
        Assert.Equal(expected, JsonNode.DeepEquals(JsonNode.Parse(left), JsonNode.Parse(right)));
    }

    [Fact]
    public void SameBytes_Nulls_EqualOnlyToNull()
    {
        Assert.True(SerializedEquality.SameBytes(null, null));
        Assert.False(SerializedEquality.SameBytes(null, new JsonObject()));
        Assert.False(SerializedEquality.SameBytes(new JsonObject(), null));
    }

    [Fact]
    public void SameBytes_BuiltAndParsedTree_Equal()
    {
        var built = new JsonObject { ["nodeName"] = "n1", ["containers"] = new JsonArray(new JsonObject { ["name"] = "c", ["image"] = "i" }) };
        var parsed = JsonNode.Parse("""{"nodeName":"n1","containers":[{"name":"c","image":"i"}]}""");

        Assert.True(SerializedEquality.SameBytes(built, parsed));
    }

    [Fact]
    public void SameBytes_ReorderedMembers_FalseSoTheCallerDoesTheFullWork()
    {
        Assert.False(SerializedEquality.SameBytes(JsonNode.Parse("""{"a":1,"b":2}"""), JsonNode.Parse("""{"b":2,"a":1}""")));
    }

    [Fact]
    public void SameBytes_LargeTrees_ComparedAndBuffersReusedAfter()
    {
        var big = new string('x', 200_000);
        Assert.True(SerializedEquality.SameBytes(new JsonObject { ["a"] = big }, new JsonObject { ["a"] = big }));
        Assert.False(SerializedEquality.SameBytes(new JsonObject { ["a"] = big }, new JsonObject { ["a"] = big + "y" }));
        Assert.True(SerializedEquality.SameBytes(JsonNode.Parse("""{"a":1}"""), JsonNode.Parse("""{"a":1}""")));
    }

    [Fact]
    public void SameBytes_LazyTrees_NotMaterialised()
    {
        var a = JsonNode.Parse("""{"spec":{"containers":[{"name":"c"}]}}""")!.AsObject();
        var b = JsonNode.Parse("""{"spec":{"containers":[{"name":"c"}]}}""")!.AsObject();

        Assert.True(SerializedEquality.SameBytes(a["spec"], b["spec"]));
        Assert.False(IsMaterialised(a["spec"]!.AsObject()));
        Assert.False(IsMaterialised(b["spec"]!.AsObject()));
    }

    // JsonObject keeps its JsonElement until a member is first read, then builds its dictionary.
    private static bool IsMaterialised(JsonObject obj) =>
        typeof(JsonObject).GetField("_dictionary", BindingFlags.Instance | BindingFlags.NonPublic)!.GetValue(obj) is not null;
}
