using System.Text.Json.Nodes;
using Capstan.Controllers.EndpointSliceMirroring;

namespace Capstan.Controllers.Tests.EndpointSliceMirroring;

public sealed class MirroredEndpointsTests
{
    [Fact]
    public void Compute_Subsets_ReadyAndNotReadyWithPortsInvalidSkipped()
    {
        var endpoints = new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "ext", ["namespace"] = "ns" },
            ["subsets"] = new JsonArray(new JsonObject
            {
                ["addresses"] = new JsonArray(new JsonObject { ["ip"] = "192.0.2.1", ["hostname"] = "one" }, new JsonObject { ["ip"] = "not-an-ip" }),
                ["notReadyAddresses"] = new JsonArray(new JsonObject { ["ip"] = "192.0.2.2" }),
                ["ports"] = new JsonArray(new JsonObject { ["port"] = 5432 }),
            }),
        };
        var group = Assert.Single(MirroredEndpoints.Compute(endpoints));
        Assert.Equal("IPv4", group.AddressType);
        Assert.Equal(("", 5432L, "TCP"), (group.Ports[0]!["name"]!.GetValue<string>(), group.Ports[0]!["port"]!.GetValue<long>(), group.Ports[0]!["protocol"]!.GetValue<string>()));
        Assert.Equal(
            [("192.0.2.1", true), ("192.0.2.2", false)],
            group.Endpoints.Select(e => (e.Value["addresses"]![0]!.GetValue<string>(), e.Value["conditions"]!["ready"]!.GetValue<bool>())));
        Assert.Equal("one", group.Endpoints[0].Value["hostname"]!.GetValue<string>());
    }

    [Fact]
    public void Compute_AnnotationsAndIrregularIpv6_Normalized()
    {
        var endpoints = new JsonObject
        {
            ["subsets"] = new JsonArray(new JsonObject
            {
                ["addresses"] = new JsonArray(new JsonObject { ["ip"] = "FD00:0::1" }, new JsonObject { ["ip"] = "7" }),
            }),
        };
        var group = Assert.Single(MirroredEndpoints.Compute(endpoints));
        Assert.Equal("IPv6", group.AddressType);
        Assert.Equal("fd00::1", Assert.Single(group.Endpoints).Value["addresses"]![0]!.GetValue<string>());
    }

    [Fact]
    public void ShouldMirror_SkipMirrorLabelOrLeaderAnnotation_False()
    {
        Assert.True(MirroredEndpoints.ShouldMirror(new JsonObject { ["metadata"] = new JsonObject() }));
        Assert.False(MirroredEndpoints.ShouldMirror(new JsonObject { ["metadata"] = new JsonObject { ["labels"] = new JsonObject { [MirroredEndpoints.SkipMirrorLabel] = "true" } } }));
        Assert.False(MirroredEndpoints.ShouldMirror(new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { [MirroredEndpoints.LeaderAnnotation] = "{}" } } }));
    }
}
