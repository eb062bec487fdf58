using System.Text.Json.Nodes;
using Capstan.Controllers.Endpoints;

namespace Capstan.Controllers.Tests.Endpoints;

public sealed class EndpointSubsetsTests
{
    private static List<string> Ips(JsonNode? addresses) =>
        (addresses as JsonArray ?? []).Select(a => a!["ip"]!.GetValue<string>()).ToList();

    [Fact]
    public void Compute_ReadyAndNotReady_SplitIntoAddressesAndNotReadyAddresses()
    {
        var pods = new[]
        {
            ServiceObjects.Pod("b", "10.0.0.2"),
            ServiceObjects.Pod("a", "10.0.0.1"),
            ServiceObjects.Pod("c", "10.0.0.3", ready: false),
            ServiceObjects.Pod("d", null),
            ServiceObjects.Pod("e", "10.0.0.5", deleting: true),
        };
        var result = EndpointSubsets.Compute(ServiceObjects.Service(), pods);

        var subset = Assert.Single(result.Subsets)!;
        Assert.Equal(["10.0.0.1", "10.0.0.2"], Ips(subset["addresses"]));
        Assert.Equal(["10.0.0.3"], Ips(subset["notReadyAddresses"]));
        var port = Assert.Single(subset["ports"]!.AsArray())!;
        Assert.Equal(("http", 8080, "TCP"), (port["name"]!.GetValue<string>(), port["port"]!.GetValue<int>(), port["protocol"]!.GetValue<string>()));
        var first = subset["addresses"]![0]!;
        Assert.Equal(("n1", "Pod", "a", "uid-a"), (first["nodeName"]!.GetValue<string>(), first["targetRef"]!["kind"]!.GetValue<string>(), first["targetRef"]!["name"]!.GetValue<string>(), first["targetRef"]!["uid"]!.GetValue<string>()));
        Assert.False(result.Truncated);
    }

    [Fact]
    public void Compute_PublishNotReadyAddresses_EveryPodReadyEvenTerminating()
    {
        var pods = new[] { ServiceObjects.Pod("a", "10.0.0.1", ready: false), ServiceObjects.Pod("b", "10.0.0.2", deleting: true) };
        var subset = Assert.Single(EndpointSubsets.Compute(ServiceObjects.Service(publishNotReady: true), pods).Subsets)!;
        Assert.Equal(["10.0.0.1", "10.0.0.2"], Ips(subset["addresses"]));
        Assert.Null(subset["notReadyAddresses"]);
    }

    [Fact]
    public void Compute_NamedTargetPort_PodsGroupedByResolvedPort()
    {
        var service = ServiceObjects.Service(ports: new JsonArray(new JsonObject { ["name"] = "http", ["port"] = 80, ["targetPort"] = "web" }));
        var pods = new[]
        {
            ServiceObjects.Pod("a", "10.0.0.1", containerPorts: new JsonArray(new JsonObject { ["name"] = "web", ["containerPort"] = 8080 })),
            ServiceObjects.Pod("b", "10.0.0.2", containerPorts: new JsonArray(new JsonObject { ["name"] = "web", ["containerPort"] = 9090 })),
            ServiceObjects.Pod("c", "10.0.0.3"),
        };
        var subsets = EndpointSubsets.Compute(service, pods).Subsets;

        Assert.Equal(2, subsets.Count);
        var byPort = subsets.ToDictionary(s => s!["ports"]![0]!["port"]!.GetValue<int>(), s => Ips(s!["addresses"]));
        Assert.Equal(["10.0.0.1"], byPort[8080]);
        Assert.Equal(["10.0.0.2"], byPort[9090]);
    }

    [Fact]
    public void Compute_HeadlessWithoutPorts_AddressesWithoutPorts()
    {
        var service = ServiceObjects.Service(ports: [], headless: true);
        var subset = Assert.Single(EndpointSubsets.Compute(service, [ServiceObjects.Pod("a", "10.0.0.1")]).Subsets)!;
        Assert.Equal(["10.0.0.1"], Ips(subset["addresses"]));
        Assert.Null(subset["ports"]);
    }

    [Fact]
    public void Compute_OverCapacity_TruncatedToThousandReadyFirst()
    {
        var pods = Enumerable.Range(0, 1005).Select(i => ServiceObjects.Pod($"p{i}", $"10.1.{i / 256}.{i % 256}", ready: i >= 10)).ToList();
        var result = EndpointSubsets.Compute(ServiceObjects.Service(), pods);

        Assert.True(result.Truncated);
        var subset = Assert.Single(result.Subsets)!;
        Assert.Equal(995, subset["addresses"]!.AsArray().Count);
        Assert.Equal(5, subset["notReadyAddresses"]!.AsArray().Count);
    }

    [Fact]
    public void Compute_LastChange_IsLatestPodTransition()
    {
        var result = EndpointSubsets.Compute(ServiceObjects.Service(), [ServiceObjects.Pod("a", "10.0.0.1")]);
        Assert.Equal(DateTimeOffset.Parse("2026-01-01T00:00:05Z", System.Globalization.CultureInfo.InvariantCulture), result.LastChange);
    }

    [Fact]
    public void Compute_DualStackPod_AddressOfServicePrimaryFamily()
    {
        var service = ServiceObjects.Service();
        ((JsonObject)service["spec"]!)["ipFamilies"] = new JsonArray("IPv6", "IPv4");
        var pod = ServiceObjects.Pod("a", "10.0.0.1");
        ((JsonObject)pod["status"]!)["podIPs"] = new JsonArray(new JsonObject { ["ip"] = "10.0.0.1" }, new JsonObject { ["ip"] = "fd00::1" });

        Assert.Equal(["fd00::1"], Ips(Assert.Single(EndpointSubsets.Compute(service, [pod]).Subsets)!["addresses"]));
    }
}
