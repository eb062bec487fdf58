using System.Text.Json.Nodes;
using Capstan.Controllers.EndpointSlice;
using Capstan.Controllers.Tests.Endpoints;

namespace Capstan.Controllers.Tests.EndpointSlice;

public sealed class SliceEndpointsTests
{
    private static JsonObject Conditions(JsonObject service, JsonObject pod)
    {
        var group = Assert.Single(SliceEndpoints.Compute(service, [pod], _ => null, out _));
        return (JsonObject)Assert.Single(group.Endpoints).Value["conditions"]!;
    }

    [Theory]
    [InlineData(true, false, false, true, true, false)]
    [InlineData(false, false, false, false, false, false)]
    [InlineData(true, true, false, false, true, true)]
    [InlineData(false, true, false, false, false, true)]
    [InlineData(false, false, true, true, false, false)]
    [InlineData(true, true, true, true, true, true)]
    public void Compute_Conditions_AsKubernetes(bool podReady, bool deleting, bool publishNotReady, bool ready, bool serving, bool terminating)
    {
        var c = Conditions(ServiceObjects.Service(publishNotReady: publishNotReady), ServiceObjects.Pod("a", "10.0.0.1", ready: podReady, deleting: deleting));
        Assert.Equal((ready, serving, terminating), (c["ready"]!.GetValue<bool>(), c["serving"]!.GetValue<bool>(), c["terminating"]!.GetValue<bool>()));
    }

    [Fact]
    public void Compute_Endpoint_CarriesNodeZoneTargetRefAndNamedPorts()
    {
        var groups = SliceEndpoints.Compute(ServiceObjects.Service(), [ServiceObjects.Pod("a", "10.0.0.1")], n => n == "n1" ? "zone-a" : null, out _);
        var group = Assert.Single(groups);
        Assert.Equal("IPv4", group.AddressType);
        var port = Assert.Single(group.Ports)!;
        Assert.Equal(("http", 8080), (port["name"]!.GetValue<string>(), port["port"]!.GetValue<int>()));
        var endpoint = Assert.Single(group.Endpoints).Value;
        Assert.Equal(("n1", "zone-a", "a", "10.0.0.1"),
            (endpoint["nodeName"]!.GetValue<string>(), endpoint["zone"]!.GetValue<string>(), endpoint["targetRef"]!["name"]!.GetValue<string>(), endpoint["addresses"]![0]!.GetValue<string>()));
    }

    [Fact]
    public void Compute_UnnamedServicePort_SliceNamesItEmpty()
    {
        var service = ServiceObjects.Service(ports: new JsonArray(new JsonObject { ["port"] = 80 }));
        var group = Assert.Single(SliceEndpoints.Compute(service, [ServiceObjects.Pod("a", "10.0.0.1")], _ => null, out _));
        Assert.Equal("", group.Ports[0]!["name"]!.GetValue<string>());
    }

    [Fact]
    public void Compute_DualStackServiceAndPod_OneGroupPerFamily()
    {
        var service = ServiceObjects.Service();
        ((JsonObject)service["spec"]!)["ipFamilies"] = new JsonArray("IPv4", "IPv6");
        var pod = ServiceObjects.Pod("a", "10.0.0.1");
        ((JsonObject)pod["status"]!)["podIPs"] = new JsonArray(new JsonObject { ["ip"] = "10.0.0.1" }, new JsonObject { ["ip"] = "fd00::1" });

        var groups = SliceEndpoints.Compute(service, [pod], _ => null, out _);
        Assert.Equal([("IPv4", "10.0.0.1"), ("IPv6", "fd00::1")], groups.Select(g => (g.AddressType, g.Endpoints.Single().Value["addresses"]![0]!.GetValue<string>())));
    }

    [Fact]
    public void Compute_PodWithoutIpOfServiceFamily_Skipped()
    {
        var service = ServiceObjects.Service();
        ((JsonObject)service["spec"]!)["ipFamilies"] = new JsonArray("IPv6");
        Assert.Empty(SliceEndpoints.Compute(service, [ServiceObjects.Pod("a", "10.0.0.1")], _ => null, out _));
    }
}
