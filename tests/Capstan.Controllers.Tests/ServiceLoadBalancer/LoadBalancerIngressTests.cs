using System.Text.Json.Nodes;
using Capstan.Controllers.ServiceLoadBalancer;

namespace Capstan.Controllers.Tests.ServiceLoadBalancer;

public sealed class LoadBalancerIngressTests
{
    private static readonly HashSet<string> NoEndpoints = [];

    private static JsonObject Node(string name, bool ready, (string Type, string Address)[] addresses, Dictionary<string, string>? labels = null)
    {
        var labelsObject = new JsonObject();
        foreach (var (key, value) in labels ?? [])
        {
            labelsObject[key] = value;
        }

        return new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = labelsObject },
            ["status"] = new JsonObject
            {
                ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = ready ? "True" : "False" }),
                ["addresses"] = new JsonArray([.. addresses.Select(a => (JsonNode)new JsonObject { ["type"] = a.Type, ["address"] = a.Address })]),
            },
        };
    }

    private static JsonObject Service(string? policy = null, JsonArray? families = null, string? pool = null)
    {
        var spec = new JsonObject { ["type"] = "LoadBalancer" };
        if (policy is not null)
        {
            spec["externalTrafficPolicy"] = policy;
        }

        if (families is not null)
        {
            spec["ipFamilies"] = families;
        }

        var labels = new JsonObject();
        if (pool is not null)
        {
            labels[LoadBalancerIngress.PoolLabel] = pool;
        }

        return new JsonObject { ["metadata"] = new JsonObject { ["name"] = "lb", ["labels"] = labels }, ["spec"] = spec };
    }

    private static List<string> Ips(JsonArray ingress) => [.. ingress.Select(i => i!["ip"]!.GetValue<string>())];

    [Fact]
    public void Compute_ReadyNodes_InternalAddressesSortedDistinct()
    {
        var ingress = LoadBalancerIngress.Compute(Service(),
        [
            Node("b", true, [("InternalIP", "10.0.0.2"), ("Hostname", "b")]),
            Node("a", true, [("InternalIP", "10.0.0.1")]),
            Node("c", false, [("InternalIP", "10.0.0.3")]),
            Node("d", true, [("InternalIP", "10.0.0.2")]),
        ], NoEndpoints);
        Assert.Equal(["10.0.0.1", "10.0.0.2"], Ips(ingress));
    }

    [Fact]
    public void Compute_AnyNodeHasExternalIp_OnlyExternalAddresses()
    {
        var ingress = LoadBalancerIngress.Compute(Service(),
            [Node("a", true, [("InternalIP", "10.0.0.1"), ("ExternalIP", "203.0.113.1")]), Node("b", true, [("InternalIP", "10.0.0.2")])], NoEndpoints);
        Assert.Equal(["203.0.113.1"], Ips(ingress));
    }

    [Fact]
    public void Compute_ExternalTrafficPolicyLocal_OnlyNodesWithReadyEndpoints()
    {
        var ingress = LoadBalancerIngress.Compute(Service("Local"),
            [Node("a", true, [("InternalIP", "10.0.0.1")]), Node("b", true, [("InternalIP", "10.0.0.2")])], new HashSet<string> { "b" });
        Assert.Equal(["10.0.0.2"], Ips(ingress));
    }

    [Fact]
    public void Compute_OptInLabelOnSomeNode_OnlyOptedInNodesOfThePool()
    {
        JsonObject[] nodes =
        [
            Node("a", true, [("InternalIP", "10.0.0.1")], new() { [LoadBalancerIngress.EnableLabel] = "true", [LoadBalancerIngress.PoolLabel] = "edge" }),
            Node("b", true, [("InternalIP", "10.0.0.2")], new() { [LoadBalancerIngress.EnableLabel] = "true" }),
            Node("c", true, [("InternalIP", "10.0.0.3")]),
        ];
        Assert.Equal(["10.0.0.1", "10.0.0.2"], Ips(LoadBalancerIngress.Compute(Service(), nodes, NoEndpoints)));
        Assert.Equal(["10.0.0.1"], Ips(LoadBalancerIngress.Compute(Service(pool: "edge"), nodes, NoEndpoints)));
    }

    [Fact]
    public void Compute_IpFamilies_FilterAndOrder()
    {
        JsonObject[] nodes = [Node("a", true, [("InternalIP", "10.0.0.1"), ("InternalIP", "fd00::1")])];
        Assert.Equal(["10.0.0.1"], Ips(LoadBalancerIngress.Compute(Service(), nodes, NoEndpoints)));
        Assert.Equal(["fd00::1", "10.0.0.1"], Ips(LoadBalancerIngress.Compute(Service(families: new JsonArray("IPv6", "IPv4")), nodes, NoEndpoints)));
    }

    [Theory]
    [InlineData("LoadBalancer", null, true)]
    [InlineData("LoadBalancer", "example.com/lb", false)]
    [InlineData("ClusterIP", null, false)]
    [InlineData("NodePort", null, false)]
    public void Serves_OnlyLoadBalancersWithoutClass(string type, string? lbClass, bool expected)
    {
        var spec = new JsonObject { ["type"] = type };
        if (lbClass is not null)
        {
            spec["loadBalancerClass"] = lbClass;
        }

        Assert.Equal(expected, LoadBalancerIngress.Serves(new JsonObject { ["spec"] = spec }));
    }
}
