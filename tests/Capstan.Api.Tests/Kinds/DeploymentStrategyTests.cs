using Capstan.Api.Kinds;
using Capstan.Api.Validation;

namespace Capstan.Api.Tests.Kinds;

public sealed class DeploymentStrategyTests
{
    private static readonly IKindStrategy Strategy = KindStrategies.Find("apps", "Deployment")!;

    private const string Valid = """
        {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"default"},
         "spec":{"selector":{"matchLabels":{"app":"web"}},
                 "template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"web","image":"nginx"}]}}}}
        """;

    [Theory]
    [InlineData("spec.replicas", "1")]
    [InlineData("spec.strategy.type", "\"RollingUpdate\"")]
    [InlineData("spec.strategy.rollingUpdate.maxUnavailable", "\"25%\"")]
    [InlineData("spec.strategy.rollingUpdate.maxSurge", "\"25%\"")]
    [InlineData("spec.revisionHistoryLimit", "10")]
    [InlineData("spec.progressDeadlineSeconds", "600")]
    [InlineData("spec.template.spec.restartPolicy", "\"Always\"")]
    [InlineData("spec.template.spec.dnsPolicy", "\"ClusterFirst\"")]
    [InlineData("spec.template.spec.terminationGracePeriodSeconds", "30")]
    [InlineData("spec.template.spec.schedulerName", "\"default-scheduler\"")]
    [InlineData("spec.template.spec.securityContext", "{}")]
    [InlineData("spec.template.spec.containers[0].imagePullPolicy", "\"Always\"")]
    [InlineData("spec.template.spec.containers[0].terminationMessagePath", "\"/dev/termination-log\"")]
    [InlineData("spec.template.spec.containers[0].terminationMessagePolicy", "\"File\"")]
    public void Default_BareDeployment_GetsKubernetesDefaults(string path, string expected)
    {
        var obj = Json.Parse(Valid);
        Strategy.Default(obj);
        Assert.Equal(expected, Json.Text(obj, path));
    }

    [Fact]
    public void Default_TemplateHasNoPodOnlyDefaults()
    {
        var obj = Json.Parse(Valid);
        Strategy.Default(obj);
        Assert.Null(Json.At(obj, "spec.template.spec.enableServiceLinks"));
    }

    [Fact]
    public void Default_Recreate_NoRollingUpdate()
    {
        var obj = Json.Parse(Valid);
        obj["spec"]!["strategy"] = new System.Text.Json.Nodes.JsonObject { ["type"] = "Recreate" };
        Strategy.Default(obj);
        Assert.Null(Json.At(obj, "spec.strategy.rollingUpdate"));
        Assert.Empty(Strategy.Validate(obj, null));
    }

    [Fact]
    public void Validate_DefaultedValid_NoErrors()
    {
        var obj = Json.Parse(Valid);
        Strategy.Default(obj);
        Assert.Empty(Strategy.Validate(obj, null));
    }

    [Fact]
    public void Validate_SelectorMismatch_InvalidTemplateLabels()
    {
        var obj = Json.Parse(Valid);
        obj["spec"]!["template"]!["metadata"]!["labels"]!["app"] = "other";
        Strategy.Default(obj);
        var err = Assert.Single(Strategy.Validate(obj, null));
        Assert.Equal("spec.template.metadata.labels", err.Field);
        Assert.Equal("FieldValueInvalid", err.Reason);
        Assert.Equal("spec.template.metadata.labels: Invalid value: {\"app\":\"other\"}: `selector` does not match template `labels`", err.ToString());
    }

    [Theory]
    [InlineData("""{"replicas":-1}""", "spec.replicas:FieldValueInvalid")]
    [InlineData("""{"strategy":{"type":"Blue"}}""", "spec.strategy:FieldValueNotSupported")]
    [InlineData("""{"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":0,"maxSurge":0}}}""", "spec.strategy.rollingUpdate.maxUnavailable:FieldValueInvalid")]
    [InlineData("""{"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":"120%"}}}""", "spec.strategy.rollingUpdate.maxUnavailable:FieldValueInvalid")]
    [InlineData("""{"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":"x"}}}""", "spec.strategy.rollingUpdate.maxSurge:FieldValueInvalid")]
    [InlineData("""{"selector":{}}""", "spec.selector:FieldValueInvalid")]
    [InlineData("""{"minReadySeconds":700}""", "spec.progressDeadlineSeconds:FieldValueInvalid")]
    public void Validate_BadSpecField_ReportsFieldAndReason(string patch, string expected)
    {
        var obj = Json.Parse(Valid);
        foreach (var (key, value) in Json.Parse(patch))
        {
            obj["spec"]![key] = value?.DeepClone();
        }

        Strategy.Default(obj);
        Assert.Contains(expected, Json.Fields(Strategy.Validate(obj, null)));
    }

    [Fact]
    public void Validate_ReplicasNegative_KubernetesMessage()
    {
        var obj = Json.Parse(Valid);
        obj["spec"]!["replicas"] = -1;
        Strategy.Default(obj);
        Assert.Equal("spec.replicas: Invalid value: -1: must be greater than or equal to 0", Assert.Single(Strategy.Validate(obj, null)).ToString());
    }

    [Fact]
    public void Validate_UpdateChangesSelector_Immutable()
    {
        var old = Json.Parse(Valid);
        Strategy.Default(old);
        var obj = (System.Text.Json.Nodes.JsonObject)old.DeepClone();
        obj["spec"]!["selector"]!["matchLabels"]!["tier"] = "x";
        obj["spec"]!["template"]!["metadata"]!["labels"]!["tier"] = "x";
        var err = Assert.Single(Strategy.Validate(obj, old));
        Assert.Equal(("spec.selector", FieldErrorType.Invalid), (err.Field, err.Type));
        Assert.Equal("field is immutable", err.Detail);
    }
}
