using System.Text.Json.Nodes;
using Capstan.Api.Schema;
using k8s.Models;

namespace Capstan.Api.Tests.Schema;

public sealed class FieldTypesTests
{
    [Theory]
    [InlineData("{\"spec\":{\"replicas\":\"many\"}}", "cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32")]
    [InlineData("{\"metadata\":{\"labels\":\"str\"}}", "cannot unmarshal string into Go struct field ObjectMeta.metadata.labels of type map")]
    [InlineData("{\"metadata\":{\"finalizers\":\"x\"}}", "of type array")]
    [InlineData("{\"spec\":{\"paused\":\"yes\"}}", "of type bool")]
    public void FindMismatch_WrongJsonType_NamesTheField(string json, string expected)
    {
        var message = FieldTypes.FindMismatch(typeof(V1Deployment), JsonNode.Parse(json)!.AsObject());
        Assert.NotNull(message);
        Assert.Contains(expected, message);
    }

    [Fact]
    public void FindMismatch_WellTypedObject_IsNull()
    {
        var obj = JsonNode.Parse("{\"metadata\":{\"name\":\"a\",\"labels\":{\"x\":\"y\"}},\"spec\":{\"replicas\":2,\"template\":{\"spec\":{\"containers\":[{\"name\":\"c\",\"ports\":[{\"containerPort\":80}],\"resources\":{\"limits\":{\"cpu\":1,\"memory\":\"1Gi\"}}}]}},\"strategy\":{\"rollingUpdate\":{\"maxSurge\":1,\"maxUnavailable\":\"25%\"}}}}")!.AsObject();
        Assert.Null(FieldTypes.FindMismatch(typeof(V1Deployment), obj));
    }

    [Fact]
    public void FindMismatch_NumbersBuiltInCode_AreIntegers()
    {
        var obj = new JsonObject { ["spec"] = new JsonObject { ["ports"] = new JsonArray(new JsonObject { ["port"] = 443, ["targetPort"] = 6443 }) } };
        Assert.Null(FieldTypes.FindMismatch(typeof(V1Service), obj));
    }
}
