using System.Text.Json.Nodes;
using Capstan.Api.Registry;
using Capstan.ApiServer.Admission;

namespace Capstan.ApiServer.Tests.Admission;

public sealed class DefaultTolerationSecondsTests
{
    private static readonly ResourceInfo Pods = ResourceRegistry.BuiltIn.Find("", "v1", "pods")!;
    private readonly DefaultTolerationSeconds _plugin = new(7, 9);

    [Fact]
    public void AdmitCreate_PodWithoutTolerations_GetsBoth()
    {
        var pod = Pod("[]");

        _plugin.AdmitCreate(Pods, pod);

        var tolerations = pod["spec"]!["tolerations"]!.AsArray();
        Assert.Equal(2, tolerations.Count);
        Assert.Equal("""{"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute","tolerationSeconds":7}""", tolerations[0]!.ToJsonString());
        Assert.Equal("""{"key":"node.kubernetes.io/unreachable","operator":"Exists","effect":"NoExecute","tolerationSeconds":9}""", tolerations[1]!.ToJsonString());
    }

    [Fact]
    public void AdmitCreate_OwnUnreachableToleration_IsKeptAndOnlyNotReadyAdded()
    {
        var pod = Pod("""[{"key":"node.kubernetes.io/unreachable","operator":"Exists","effect":"NoExecute","tolerationSeconds":1}]""");

        _plugin.AdmitCreate(Pods, pod);

        var tolerations = pod["spec"]!["tolerations"]!.AsArray();
        Assert.Equal(2, tolerations.Count);
        Assert.Equal(1, tolerations[0]!["tolerationSeconds"]!.GetValue<long>());
        Assert.Equal("node.kubernetes.io/not-ready", tolerations[1]!["key"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("""[{"operator":"Exists"}]""")]
    [InlineData("""[{"operator":"Exists","effect":"NoExecute"}]""")]
    public void AdmitCreate_TolerateEverything_AddsNothing(string tolerations)
    {
        var pod = Pod(tolerations);

        _plugin.AdmitCreate(Pods, pod);

        Assert.Single(pod["spec"]!["tolerations"]!.AsArray());
    }

    [Fact]
    public void AdmitCreate_NoScheduleOnlyToleration_StillGetsTheDefaults()
    {
        var pod = Pod("""[{"key":"node.kubernetes.io/unreachable","operator":"Exists","effect":"NoSchedule"}]""");

        _plugin.AdmitCreate(Pods, pod);

        Assert.Equal(3, pod["spec"]!["tolerations"]!.AsArray().Count);
    }

    private static JsonObject Pod(string tolerations) =>
        JsonNode.Parse("""{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"i"}],"tolerations":""" + tolerations + "}}")!.AsObject();
}
