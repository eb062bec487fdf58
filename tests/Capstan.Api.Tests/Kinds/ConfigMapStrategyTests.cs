using System.Text.Json.Nodes;
using Capstan.Api.Kinds;

namespace Capstan.Api.Tests.Kinds;

public sealed class ConfigMapStrategyTests
{
    private static readonly IKindStrategy Strategy = KindStrategies.Find("", "ConfigMap")!;

    private static JsonObject ConfigMap(string rest) =>
        Json.Parse("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","namespace":"default"}""" + rest + "}");

    [Fact]
    public void Validate_GoodKeys_NoErrors() =>
        Assert.Empty(Strategy.Validate(ConfigMap(""","data":{"app.properties":"x","KEY_1":"y","a-b":"z"}"""), null));

    [Theory]
    [InlineData(""","data":{"a/b":"x"}""", "data[a/b]:FieldValueInvalid")]
    [InlineData(""","data":{"..x":"x"}""", "data[..x]:FieldValueInvalid")]
    [InlineData(""","binaryData":{"a b":"AA=="}""", "binaryData[a b]:FieldValueInvalid")]
    [InlineData(""","data":{"k":"x"},"binaryData":{"k":"AA=="}""", "binaryData[k]:FieldValueInvalid")]
    public void Validate_BadKeys_Invalid(string rest, string expected) =>
        Assert.Contains(expected, Json.Fields(Strategy.Validate(ConfigMap(rest), null)));

    [Fact]
    public void Validate_TooLarge_TooLong()
    {
        var cm = ConfigMap("");
        cm["data"] = new JsonObject { ["big"] = new string('x', 1024 * 1024 + 1) };
        Assert.Contains(":FieldValueTooLong", Json.Fields(Strategy.Validate(cm, null)));
    }

    [Fact]
    public void ValidateUpdate_ImmutableDataChanged_Forbidden()
    {
        var old = ConfigMap(""","immutable":true,"data":{"k":"1"}""");
        var cm = ConfigMap(""","immutable":true,"data":{"k":"2"}""");
        var err = Assert.Single(Strategy.Validate(cm, old));
        Assert.Equal("data: Forbidden: field is immutable when `immutable` is set", err.ToString());
    }

    [Fact]
    public void ValidateUpdate_ImmutableUnset_Forbidden()
    {
        var old = ConfigMap(""","immutable":true,"data":{"k":"1"}""");
        var cm = ConfigMap(""","immutable":false,"data":{"k":"1"}""");
        Assert.Equal(["immutable:FieldValueForbidden"], Json.Fields(Strategy.Validate(cm, old)));
    }

    [Fact]
    public void ValidateUpdate_Mutable_Allowed() =>
        Assert.Empty(Strategy.Validate(ConfigMap(""","data":{"k":"2"}"""), ConfigMap(""","data":{"k":"1"}""")));
}
