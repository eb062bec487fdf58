using System.Text.Json.Nodes;
using Capstan.Api.Patch;

namespace Capstan.Api.Tests.Patch;

public sealed class JsonPatchTests
{
    [Theory]
    [InlineData("""{"a":1}""", """[{"op":"add","path":"/b","value":2}]""", """{"a":1,"b":2}""")]
    [InlineData("""{"a":[1,2]}""", """[{"op":"add","path":"/a/1","value":9}]""", """{"a":[1,9,2]}""")]
    [InlineData("""{"a":[1,2]}""", """[{"op":"add","path":"/a/-","value":3}]""", """{"a":[1,2,3]}""")]
    [InlineData("""{"a":[1,2]}""", """[{"op":"add","path":"/a/2","value":3}]""", """{"a":[1,2,3]}""")]
    [InlineData("""{"a":1}""", """[{"op":"add","path":"","value":{"x":true}}]""", """{"x":true}""")]
    [InlineData("""{"a":1,"b":2}""", """[{"op":"remove","path":"/a"}]""", """{"b":2}""")]
    [InlineData("""{"a":[1,2,3]}""", """[{"op":"remove","path":"/a/0"}]""", """{"a":[2,3]}""")]
    [InlineData("""{"a":1}""", """[{"op":"replace","path":"/a","value":null}]""", """{"a":null}""")]
    [InlineData("""{"a":{"b":1},"c":{}}""", """[{"op":"move","from":"/a/b","path":"/c/d"}]""", """{"a":{},"c":{"d":1}}""")]
    [InlineData("""{"a":[1,2,3]}""", """[{"op":"move","from":"/a/0","path":"/a/-"}]""", """{"a":[2,3,1]}""")]
    [InlineData("""{"a":{"b":1}}""", """[{"op":"copy","from":"/a","path":"/c"}]""", """{"a":{"b":1},"c":{"b":1}}""")]
    [InlineData("""{"a":{"b":[1]}}""", """[{"op":"test","path":"/a","value":{"b":[1]}},{"op":"add","path":"/t","value":1}]""", """{"a":{"b":[1]},"t":1}""")]
    [InlineData("""{"a/b":1,"m~n":2}""", """[{"op":"replace","path":"/a~1b","value":3},{"op":"remove","path":"/m~0n"}]""", """{"a/b":3}""")]
    [InlineData("""{"metadata":{"labels":{"app.kubernetes.io/name":"x"}}}""", """[{"op":"remove","path":"/metadata/labels/app.kubernetes.io~1name"}]""", """{"metadata":{"labels":{}}}""")]
    public void Apply_ValidPatch_ProducesExpectedDocument(string doc, string patch, string expected)
    {
        var result = JsonPatch.Apply(JsonNode.Parse(doc), patch);

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), result), result?.ToJsonString());
    }

    [Theory]
    [InlineData("""{"a":1}""", """[{"op":"remove","path":"/b"}]""", PatchErrorKind.Invalid)]
    [InlineData("""{"a":1}""", """[{"op":"replace","path":"/b","value":1}]""", PatchErrorKind.Invalid)]
    [InlineData("""{"a":[1]}""", """[{"op":"add","path":"/a/5","value":1}]""", PatchErrorKind.Invalid)]
    [InlineData("""{"a":[1]}""", """[{"op":"add","path":"/a/01","value":1}]""", PatchErrorKind.Invalid)]
    [InlineData("""{"a":1}""", """[{"op":"test","path":"/a","value":2}]""", PatchErrorKind.Invalid)]
    [InlineData("""{"a":{"b":1}}""", """[{"op":"move","from":"/a","path":"/a/b/c"}]""", PatchErrorKind.Invalid)]
    [InlineData("""{"a":1}""", """[{"op":"add","path":"/x/y","value":1}]""", PatchErrorKind.Invalid)]
    [InlineData("""{"a":1}""", """{"op":"add"}""", PatchErrorKind.BadRequest)]
    [InlineData("""{"a":1}""", """[{"op":"jump","path":"/a"}]""", PatchErrorKind.BadRequest)]
    [InlineData("""{"a":1}""", """[{"op":"add","path":"/a"}]""", PatchErrorKind.BadRequest)]
    [InlineData("""{"a":1}""", """[{"op":"add","path":"a","value":1}]""", PatchErrorKind.BadRequest)]
    [InlineData("""{"a":1}""", """[{"op":"add","path":"/~2","value":1}]""", PatchErrorKind.BadRequest)]
    [InlineData("""{"a":1}""", """not json""", PatchErrorKind.BadRequest)]
    public void Apply_BadPatch_ThrowsPatchException(string doc, string patch, PatchErrorKind kind)
    {
        var e = Assert.Throws<PatchException>(() => JsonPatch.Apply(JsonNode.Parse(doc), patch));

        Assert.Equal(kind, e.Kind);
        Assert.False(string.IsNullOrWhiteSpace(e.Message));
    }

    [Fact]
    public void Apply_FailingOperation_LeavesInputUnchanged()
    {
        var doc = JsonNode.Parse("""{"a":1}""");

        Assert.Throws<PatchException>(() => JsonPatch.Apply(doc, """[{"op":"add","path":"/b","value":2},{"op":"test","path":"/a","value":5}]"""));

        Assert.Equal("""{"a":1}""", doc!.ToJsonString());
    }
}
