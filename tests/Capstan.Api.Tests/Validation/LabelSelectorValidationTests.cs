using System.Text.Json.Nodes;
using Capstan.Api.Validation;

namespace Capstan.Api.Tests.Validation;

public sealed class LabelSelectorValidationTests
{
    private static JsonObject Obj(string json) => JsonNode.Parse(json)!.AsObject();

    [Theory]
    [InlineData("""{"matchLabels":{"app":"web"}}""", """{"app":"web","tier":"x"}""", true)]
    [InlineData("""{"matchLabels":{"app":"web"}}""", """{"app":"api"}""", false)]
    [InlineData("""{"matchExpressions":[{"key":"tier","operator":"In","values":["a","b"]}]}""", """{"tier":"b"}""", true)]
    [InlineData("""{"matchExpressions":[{"key":"tier","operator":"NotIn","values":["a"]}]}""", """{}""", true)]
    [InlineData("""{"matchExpressions":[{"key":"tier","operator":"Exists"}]}""", """{}""", false)]
    [InlineData("""{"matchExpressions":[{"key":"tier","operator":"DoesNotExist"}]}""", """{"app":"x"}""", true)]
    [InlineData("""{}""", """{"app":"x"}""", true)]
    public void Matches_Cases(string selector, string labels, bool expected) =>
        Assert.Equal(expected, LabelSelectorValidation.Matches(Obj(selector), Obj(labels)));

    [Theory]
    [InlineData("""{"matchExpressions":[{"key":"a","operator":"In"}]}""", "s.matchExpressions[0].values:FieldValueRequired")]
    [InlineData("""{"matchExpressions":[{"key":"a","operator":"Exists","values":["x"]}]}""", "s.matchExpressions[0].values:FieldValueForbidden")]
    [InlineData("""{"matchExpressions":[{"key":"a","operator":"Like"}]}""", "s.matchExpressions[0].operator:FieldValueInvalid")]
    [InlineData("""{"matchExpressions":[{"key":"a","operator":"In","values":["ok","-bad"]}]}""", "s.matchExpressions[0].values[1]:FieldValueInvalid")]
    [InlineData("""{"matchLabels":{"-bad":"x"}}""", "s.matchLabels:FieldValueInvalid")]
    public void Validate_Bad(string selector, string expected) =>
        Assert.Equal([expected], LabelSelectorValidation.Validate(Obj(selector), "s").Select(e => $"{e.Field}:{e.Reason}"));
}
