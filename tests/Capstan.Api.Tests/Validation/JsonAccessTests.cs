using System.Text.Json.Nodes;
using Capstan.Api.Validation;

namespace Capstan.Api.Tests.Validation;

public sealed class JsonAccessTests
{
    [Fact]
    public void SameAs_ParsedAndCreatedNumbers_Equal()
    {
        var parsed = JsonNode.Parse("""{"a":30,"b":"x","c":true,"d":[1]}""");
        var created = new JsonObject { ["d"] = new JsonArray(1), ["c"] = true, ["b"] = "x", ["a"] = 30 };
        Assert.True(JsonAccess.SameAs(parsed, created));
    }

    [Fact]
    public void SameAs_NullMemberEqualsAbsent() =>
        Assert.True(JsonAccess.SameAs(JsonNode.Parse("""{"a":1,"b":null}"""), JsonNode.Parse("""{"a":1}""")));

    [Fact]
    public void SameAs_DifferentValues_NotEqual() =>
        Assert.False(JsonAccess.SameAs(JsonNode.Parse("""{"a":1}"""), JsonNode.Parse("""{"a":2}""")));

    [Theory]
    [InlineData("""{"n":5}""", 5L)]
    [InlineData("""{"n":5.0}""", 5L)]
    [InlineData("""{"n":5.5}""", null)]
    [InlineData("""{"n":"5"}""", null)]
    [InlineData("""{"n":null}""", null)]
    public void Long_Reads(string json, long? expected) => Assert.Equal(expected, JsonNode.Parse(json)!.AsObject().Long("n"));

    [Fact]
    public void Long_CreatedInt_Reads() => Assert.Equal(7L, new JsonObject { ["n"] = 7 }.Long("n"));
}
