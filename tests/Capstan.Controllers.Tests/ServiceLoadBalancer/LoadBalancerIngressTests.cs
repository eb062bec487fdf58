using System.Text.Json.Nodes;
using Capstan.Controllers.ServiceLoadBalancer;

namespace Capstan.Controllers.Tests.ServiceLoadBalancer;

public sealed class LoadBalancerIngressTests
{
    private static JsonObject Node(bool ready, params (string Type, string Address)[] addresses) => new()
    {
        ["status"] = new JsonObject
        {
            ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = ready ? "True" : "False" }),
            ["addresses"] = new JsonArray([.. addresses.Select(a => (JsonNode)new JsonObject { ["type"] = a.Type, ["address"] = a.Address })]),
        },
    };

    [Fact]
    public void Compute_ReadyNodes_ExternalPreferredPerNodeSortedDistinct()
    {
        var ingress = LoadBalancerIngress.Compute(
        [
            Node(true, ("InternalIP", "10.0.0.2"), ("Hostname", "b")),
            Node(true, ("InternalIP", "10.0.0.1"), ("ExternalIP", "203.0.113.1")),
            Node(false, ("InternalIP", "10.0.0.3")),
            Node(true, ("InternalIP", "10.0.0.2")),
        ]);
        Assert.Equal(["10.0.0.2", "203.0.113.1"], ingress.Select(i => i!["ip"]!.GetValue<string>()));
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
