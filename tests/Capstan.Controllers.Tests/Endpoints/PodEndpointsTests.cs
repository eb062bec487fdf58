using System.Text.Json.Nodes;
using Capstan.Controllers.Endpoints;

namespace Capstan.Controllers.Tests.Endpoints;

public sealed class PodEndpointsTests
{
    private static readonly JsonArray NamedPorts = new(
        new JsonObject { ["name"] = "web", ["containerPort"] = 8080 },
        new JsonObject { ["name"] = "dns", ["containerPort"] = 5353, ["protocol"] = "UDP" });

    [Fact]
    public void FindPort_NumericTarget_IsUsedAsIs()
    {
        var pod = ServiceObjects.Pod("a", "10.0.0.1");
        Assert.Equal(9090, PodEndpoints.FindPort(pod, new JsonObject { ["port"] = 80, ["targetPort"] = 9090 }));
    }

    [Fact]
    public void FindPort_NoTarget_IsServicePort()
    {
        Assert.Equal(80, PodEndpoints.FindPort(ServiceObjects.Pod("a", "10.0.0.1"), new JsonObject { ["port"] = 80 }));
    }

    [Theory]
    [InlineData("web", "TCP", 8080)]
    [InlineData("dns", "UDP", 5353)]
    [InlineData("dns", "TCP", null)]
    [InlineData("missing", "TCP", null)]
    public void FindPort_NamedTarget_ResolvedPerPodByNameAndProtocol(string name, string protocol, int? expected)
    {
        var pod = ServiceObjects.Pod("a", "10.0.0.1", containerPorts: (JsonArray)NamedPorts.DeepClone());
        Assert.Equal(expected, PodEndpoints.FindPort(pod, new JsonObject { ["port"] = 80, ["targetPort"] = name, ["protocol"] = protocol }));
    }

    [Fact]
    public void FindPort_RestartableInitContainer_Searched()
    {
        var pod = ServiceObjects.Pod("a", "10.0.0.1");
        ((JsonObject)pod["spec"]!)["initContainers"] = new JsonArray(new JsonObject
        {
            ["name"] = "sidecar",
            ["restartPolicy"] = "Always",
            ["ports"] = new JsonArray(new JsonObject { ["name"] = "metrics", ["containerPort"] = 9100 }),
        });
        Assert.Equal(9100, PodEndpoints.FindPort(pod, new JsonObject { ["port"] = 80, ["targetPort"] = "metrics" }));
    }

    [Theory]
    [InlineData("10.0.0.1", false, "Running", false, true)]
    [InlineData(null, false, "Running", false, false)]
    [InlineData("10.0.0.1", true, "Running", false, false)]
    [InlineData("10.0.0.1", true, "Running", true, true)]
    [InlineData("10.0.0.1", false, "Succeeded", true, false)]
    [InlineData("10.0.0.1", false, "Failed", false, false)]
    public void ShouldBeInEndpoints_FollowsKubernetes(string? ip, bool deleting, string phase, bool includeTerminating, bool expected)
    {
        Assert.Equal(expected, PodEndpoints.ShouldBeInEndpoints(ServiceObjects.Pod("a", ip, deleting: deleting, phase: phase), includeTerminating));
    }

    [Fact]
    public void Hostname_OnlyWhenSubdomainNamesTheService()
    {
        var service = ServiceObjects.Service("web");
        var pod = ServiceObjects.Pod("a", "10.0.0.1");
        ((JsonObject)pod["spec"]!)["hostname"] = "a-0";
        Assert.Null(PodEndpoints.Hostname(pod, service));
        ((JsonObject)pod["spec"]!)["subdomain"] = "web";
        Assert.Equal("a-0", PodEndpoints.Hostname(pod, service));
        ((JsonObject)pod["spec"]!)["subdomain"] = "other";
        Assert.Null(PodEndpoints.Hostname(pod, service));
    }
}
