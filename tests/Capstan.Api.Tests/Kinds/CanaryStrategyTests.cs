using System.Text.Json.Nodes;
using Capstan.Api.Kinds;
using Capstan.Api.OpenApi;
using Capstan.Api.Registry;
using Capstan.Api.Tables;

namespace Capstan.Api.Tests.Kinds;

public sealed class CanaryStrategyTests
{
    private static readonly IKindStrategy Strategy = KindStrategies.Find("rollouts.capstan.io", "Canary")!;

    private static JsonObject Canary(string spec) =>
        Json.Parse("""{"apiVersion":"rollouts.capstan.io/v1alpha1","kind":"Canary","metadata":{"name":"web","namespace":"default"},"spec":""" + spec + "}");

    [Fact]
    public void Default_MinimalSpec_FillsStepsIntervalAndAnalysis()
    {
        var canary = Canary("""{"targetRef":{"name":"web"},"service":"web"}""");
        Strategy.Default(canary);
        Assert.Equal("[10,25,50,100]", Json.At(canary, "spec.steps")!.ToJsonString());
        Assert.Equal("30s", (string)Json.At(canary, "spec.interval")!);
        Assert.Equal("Deployment", (string)Json.At(canary, "spec.targetRef.kind")!);
        Assert.Equal(2, (int)Json.At(canary, "spec.analysis.failureLimit")!);
        Assert.Empty(Strategy.Validate(canary, null));
    }

    [Theory]
    [InlineData("""{"service":"web"}""", "spec.targetRef.name:FieldValueRequired")]
    [InlineData("""{"targetRef":{"name":"web"}}""", "spec.service:FieldValueRequired")]
    [InlineData("""{"targetRef":{"name":"web"},"service":"web","steps":[10,10]}""", "spec.steps[1]:FieldValueInvalid")]
    [InlineData("""{"targetRef":{"name":"web"},"service":"web","steps":[0,50]}""", "spec.steps[0]:FieldValueInvalid")]
    [InlineData("""{"targetRef":{"name":"web"},"service":"web","steps":[50,101]}""", "spec.steps[1]:FieldValueInvalid")]
    [InlineData("""{"targetRef":{"name":"web"},"service":"web","interval":"soon"}""", "spec.interval:FieldValueInvalid")]
    [InlineData("""{"targetRef":{"name":"web","kind":"StatefulSet"},"service":"web"}""", "spec.targetRef.kind:FieldValueNotSupported")]
    [InlineData("""{"targetRef":{"name":"web"},"service":"web","analysis":{"successRate":120}}""", "spec.analysis.successRate:FieldValueInvalid")]
    [InlineData("""{"targetRef":{"name":"web"},"service":"web","analysis":{"failureLimit":0}}""", "spec.analysis.failureLimit:FieldValueInvalid")]
    public void Validate_BadSpec_ReportsField(string spec, string expected) =>
        Assert.Contains(expected, Json.Fields(Strategy.Validate(Canary(spec), null)));

    [Fact]
    public void ValidateUpdate_TargetRenamed_Invalid()
    {
        var old = Canary("""{"targetRef":{"name":"web"},"service":"web"}""");
        var renamed = Canary("""{"targetRef":{"name":"api"},"service":"web"}""");
        Assert.Contains("spec.targetRef.name:FieldValueInvalid", Json.Fields(Strategy.Validate(renamed, old)));
    }

    [Fact]
    public void Registry_Canary_ServedWithStatusAndShortName()
    {
        var info = ResourceRegistry.BuiltIn.Find("rollouts.capstan.io", "v1alpha1", "canaries")!;
        Assert.True(info.HasStatus);
        Assert.Contains("can", info.ShortNames);
        Assert.True(TableConverters.HasPrinter("rollouts.capstan.io", "Canary"));
    }

    [Fact]
    public void OpenApi_CanaryDefinition_HasGroupVersionKindAndDescriptions()
    {
        var definitions = JsonNode.Parse(OpenApiDocuments.Build(ResourceRegistry.BuiltIn).V2Json)!["definitions"]!;
        var canary = definitions["io.capstan.rollouts.v1alpha1.Canary"]!;
        var gvk = Assert.Single(canary["x-kubernetes-group-version-kind"]!.AsArray())!;
        Assert.Equal("rollouts.capstan.io", (string)gvk["group"]!);
        Assert.Equal("#/definitions/io.capstan.rollouts.v1alpha1.CanarySpec", (string)canary["properties"]!["spec"]!["$ref"]!);
        var spec = definitions["io.capstan.rollouts.v1alpha1.CanarySpec"]!;
        Assert.Contains("steps", (string)spec["properties"]!["steps"]!["description"]!, StringComparison.OrdinalIgnoreCase);
        Assert.NotNull(definitions["io.capstan.rollouts.v1alpha1.CanaryList"]);
    }
}
