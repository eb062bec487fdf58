using System.Text.Json.Nodes;
using Capstan.Api.Kinds;

namespace Capstan.Api.Tests.Kinds;

public sealed class DaemonSetStrategyTests
{
    private static readonly IKindStrategy Strategy = KindStrategies.Find("apps", "DaemonSet")!;

    private static JsonObject DaemonSet()
    {
        var obj = Json.Parse("""
            {"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"name":"agent","namespace":"kube-system"},
             "spec":{"selector":{"matchLabels":{"app":"agent"}},
                     "template":{"metadata":{"labels":{"app":"agent"}},"spec":{"containers":[{"name":"a","image":"agent:1"}]}}}}
            """);
        Strategy.Default(obj);
        return obj;
    }

    [Fact]
    public void Default_UpdateStrategy_RollingOneUnavailableZeroSurge()
    {
        var ds = DaemonSet();
        Assert.Equal("{\"type\":\"RollingUpdate\",\"rollingUpdate\":{\"maxUnavailable\":1,\"maxSurge\":0}}", Json.Text(ds, "spec.updateStrategy"));
        Assert.Equal("10", Json.Text(ds, "spec.revisionHistoryLimit"));
        Assert.Empty(Strategy.Validate(ds, null));
    }

    [Fact]
    public void Validate_TemplateRestartNever_NotSupported()
    {
        var ds = DaemonSet();
        ds["spec"]!["template"]!["spec"]!["restartPolicy"] = "Never";
        Assert.Equal(["spec.template.spec.restartPolicy:FieldValueNotSupported"], Json.Fields(Strategy.Validate(ds, null)));
    }

    [Fact]
    public void Validate_EmptySelector_Invalid()
    {
        var ds = DaemonSet();
        ds["spec"]!["selector"] = new JsonObject();
        var err = Assert.Single(Strategy.Validate(ds, null));
        Assert.Equal("empty selector is invalid for daemonset", err.Detail);
    }

    [Fact]
    public void Validate_MatchExpressionsSelector_Matches()
    {
        var ds = DaemonSet();
        ds["spec"]!["selector"] = Json.Parse("""{"matchExpressions":[{"key":"app","operator":"In","values":["agent","x"]}]}""");
        Assert.Empty(Strategy.Validate(ds, null));
    }

    [Fact]
    public void Validate_SelectorBadOperator_Invalid()
    {
        var ds = DaemonSet();
        ds["spec"]!["selector"] = Json.Parse("""{"matchLabels":{"app":"agent"},"matchExpressions":[{"key":"app","operator":"Near"}]}""");
        Assert.Contains("spec.selector.matchExpressions[0].operator:FieldValueInvalid", Json.Fields(Strategy.Validate(ds, null)));
    }

    [Theory]
    [InlineData(1, 1, "spec.updateStrategy.rollingUpdate.maxSurge:FieldValueInvalid")]
    [InlineData(0, 0, "spec.updateStrategy.rollingUpdate.maxUnavailable:FieldValueRequired")]
    public void Validate_RollingUpdate_ExactlyOneNonZero(int maxUnavailable, int maxSurge, string expected)
    {
        var ds = DaemonSet();
        ds["spec"]!["updateStrategy"]!["rollingUpdate"] = new JsonObject { ["maxUnavailable"] = maxUnavailable, ["maxSurge"] = maxSurge };
        Assert.Equal([expected], Json.Fields(Strategy.Validate(ds, null)));
    }

    [Fact]
    public void Validate_NoSelector_TemplateMismatch()
    {
        var ds = DaemonSet();
        ds["spec"]!.AsObject().Remove("selector");
        Assert.Equal(["spec.template.metadata.labels:FieldValueInvalid"], Json.Fields(Strategy.Validate(ds, null)));
    }

    [Fact]
    public void ValidateStatus_CollisionCountDecremented_Invalid()
    {
        var old = Json.Parse("""{"status":{"collisionCount":2}}""");
        var ds = Json.Parse("""{"status":{"collisionCount":1}}""");
        Assert.Equal(["status.collisionCount:FieldValueInvalid"], Json.Fields(Strategy.ValidateStatus(ds, old)));
    }
}
