using Capstan.Controllers.Tests.Integration;
using k8s;
using k8s.Models;

namespace Capstan.Controllers.Tests.ServiceLoadBalancer;

[Trait("Category", "Slow")]
public sealed class ServiceLoadBalancerControllerTests(ControllersFixture fixture) : IClassFixture<ControllersFixture>
{
    private Kubernetes Client => fixture.Client;

    [Fact]
    public async Task LoadBalancer_ReadyNode_IngressIsNodeAddressAndClassedServicesLeftAlone()
    {
        const string ns = "svclb";
        await Client.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } });
        await FakeKubelet.RegisterNodeAsync(Client, "lb-node");
        await SetAddressAsync("lb-node", "10.255.0.7");
        V1Service Lb(string name, string? lbClass) => new()
        {
            Metadata = new V1ObjectMeta { Name = name },
            Spec = new V1ServiceSpec
            {
                Type = "LoadBalancer",
                LoadBalancerClass = lbClass,
                Selector = new Dictionary<string, string> { ["app"] = name },
                Ports = [new V1ServicePort { Port = 8080 }],
            },
        };
        await Client.CreateNamespacedServiceAsync(Lb("mine", null), ns);
        await Client.CreateNamespacedServiceAsync(Lb("theirs", "example.com/lb"), ns);

        Assert.True(await ControllersFixture.EventuallyAsync(async () =>
        {
            await FakeKubelet.PostNodeReadyAsync(Client, "lb-node");
            var svc = await Client.ReadNamespacedServiceAsync("mine", ns);
            return svc.Status?.LoadBalancer?.Ingress?.Any(i => i.Ip == "10.255.0.7") == true;
        }));
        var theirs = await Client.ReadNamespacedServiceAsync("theirs", ns);
        Assert.Empty(theirs.Status?.LoadBalancer?.Ingress ?? []);
    }

    private async Task SetAddressAsync(string name, string ip)
    {
        var node = await Client.ReadNodeAsync(name);
        node.Status.Addresses = [new V1NodeAddress { Type = "InternalIP", Address = ip }, new V1NodeAddress { Type = "Hostname", Address = name }];
        await Client.ReplaceNodeStatusAsync(node, name);
    }
}
