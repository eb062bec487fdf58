using System.Text.Json.Nodes;
using Capstan.Api.Kinds;

namespace Capstan.Api.Tests.Kinds;

public sealed class HorizontalPodAutoscalerStrategyTests
{
    private static readonly IKindStrategy Strategy = KindStrategies.Find("autoscaling", "HorizontalPodAutoscaler")!;

    private static JsonObject Hpa(string extra = "")
    {
        var obj = Json.Parse("""{"apiVersion":"autoscaling/v2","kind":"HorizontalPodAutoscaler","metadata":{"name":"web","namespace":"default"},"spec":{"scaleTargetRef":{"apiVersion":"apps/v1","kind":"Deployment","name":"web"},"maxReplicas":5""" + extra + "}}");
        Strategy.Default(obj);
        return obj;
    }

    [Fact]
    public void Default_NoMetrics_CpuAt80Percent()
    {
        var hpa = Hpa();
        Assert.Equal("1", Json.Text(hpa, "spec.minReplicas"));
        Assert.Equal("""[{"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":80}}}]""", Json.Text(hpa, "spec.metrics"));
        Assert.Null(Json.At(hpa, "spec.behavior"));
        Assert.Empty(Strategy.Validate(hpa, null));
    }

    [Fact]
    public void Default_Behavior_FilledIn()
    {
        var hpa = Hpa(""","behavior":{"scaleDown":{"stabilizationWindowSeconds":60}}""");
        Assert.True(JsonNode.DeepEquals(
            Json.Parse("""{"stabilizationWindowSeconds":0,"selectPolicy":"Max","policies":[{"type":"Pods","value":4,"periodSeconds":15},{"type":"Percent","value":100,"periodSeconds":15}]}"""),
            Json.At(hpa, "spec.behavior.scaleUp")));
        Assert.True(JsonNode.DeepEquals(
            Json.Parse("""{"stabilizationWindowSeconds":60,"selectPolicy":"Max","policies":[{"type":"Percent","value":100,"periodSeconds":15}]}"""),
            Json.At(hpa, "spec.behavior.scaleDown")));
        Assert.Empty(Strategy.Validate(hpa, null));
    }

    [Theory]
    [InlineData(""","minReplicas":0""", "spec.minReplicas:FieldValueInvalid")]
    [InlineData(""","minReplicas":6""", "spec.maxReplicas:FieldValueInvalid")]
    [InlineData(""","metrics":[{"type":"Resource"}]""", "spec.metrics[0].resource:FieldValueRequired")]
    [InlineData(""","metrics":[{"type":"Magic"}]""", "spec.metrics[0].type:FieldValueNotSupported")]
    [InlineData(""","metrics":[{"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":0}}}]""", "spec.metrics[0].resource.target.averageUtilization:FieldValueInvalid")]
    public void Validate_BadHpa(string extra, string expected) =>
        Assert.Contains(expected, Json.Fields(Strategy.Validate(Hpa(extra), null)));

    [Fact]
    public void Validate_NoScaleTargetName_Required()
    {
        var hpa = Hpa();
        hpa["spec"]!["scaleTargetRef"]!.AsObject().Remove("name");
        Assert.Equal(["spec.scaleTargetRef.name:FieldValueRequired"], Json.Fields(Strategy.Validate(hpa, null)));
    }

    [Fact]
    public void Validate_MaxBelowMin_KubernetesMessage() =>
        Assert.Equal("spec.maxReplicas: Invalid value: 5: must be greater than or equal to `minReplicas`",
            Assert.Single(Strategy.Validate(Hpa(""","minReplicas":6"""), null)).ToString());
}
