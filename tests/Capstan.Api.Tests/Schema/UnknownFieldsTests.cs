using System.Text;
using System.Text.Json.Nodes;
using Capstan.Api.Schema;
using k8s.Models;

namespace Capstan.Api.Tests.Schema;

public sealed class UnknownFieldsTests
{
    [Fact]
    public void Find_KnownFieldsOnly_ReturnsNothing()
    {
        var pod = Parse("""
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","labels":{"anything":"goes"},"annotations":{"x/y":"z"}},
             "spec":{"containers":[{"name":"c","image":"busybox","resources":{"limits":{"cpu":"1"}}}]}}
            """);
        Assert.Empty(UnknownFields.Find(typeof(V1Pod), pod));
    }

    [Fact]
    public void Find_NestedUnknownFields_ReturnsPaths()
    {
        var deployment = Parse("""
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","nam":"x"},
             "spec":{"replicaz":2,"template":{"spec":{"containers":[{"name":"a","image":"i"},{"name":"b","imagez":"i"}]}}},
             "extra":true}
            """);
        Assert.Equal(
            [".metadata.nam", ".spec.replicaz", ".spec.template.spec.containers[1].imagez", ".extra"],
            UnknownFields.Find(typeof(V1Deployment), deployment));
    }

    [Fact]
    public void Find_FreeFormValues_AreNotChecked()
    {
        var configMap = Parse("""{"apiVersion":"v1","kind":"ConfigMap","data":{"k":"v"},"binaryData":{"b":"AA=="}}""");
        Assert.Empty(UnknownFields.Find(typeof(V1ConfigMap), configMap));
        var revision = Parse("""{"apiVersion":"apps/v1","kind":"ControllerRevision","revision":1,"data":{"whatever":{"deep":1}}}""");
        Assert.Empty(UnknownFields.Find(typeof(V1ControllerRevision), revision));
    }

    [Fact]
    public void FindDuplicates_RepeatedKeys_ReturnsPaths()
    {
        var json = """{"spec":{"replicas":1,"replicas":2,"template":{"spec":{"containers":[{"name":"a"},{"name":"b","name":"c"}]}}},"kind":"x","kind":"y"}""";
        Assert.Equal(
            [".spec.replicas", ".spec.template.spec.containers[1].name", ".kind"],
            UnknownFields.FindDuplicates(Encoding.UTF8.GetBytes(json)));
    }

    [Fact]
    public void FindDuplicates_SameKeyInSiblingObjects_ReturnsNothing()
    {
        var json = """{"a":[{"x":1},{"x":2},[{"x":3}]],"b":{"x":1},"c":{"x":2}}""";
        Assert.Empty(UnknownFields.FindDuplicates(Encoding.UTF8.GetBytes(json)));
    }

    [Fact]
    public void ParseLastWins_RepeatedKeys_KeepsLastValue()
    {
        var node = UnknownFields.ParseLastWins(Encoding.UTF8.GetBytes("""{"a":1,"b":{"c":"x","c":"y"},"a":[1,null,true]}"""))!;
        Assert.Equal("""{"a":[1,null,true],"b":{"c":"y"}}""", node.ToJsonString());
    }

    private static JsonObject Parse(string json) => JsonNode.Parse(json)!.AsObject();
}
