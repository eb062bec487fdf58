using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Capstan.ApiServer.Tests.Integration;

public sealed class ServiceAllocationTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private Kubernetes Client => fixture.Client;

    private static V1Service Service(string name, string type = "ClusterIP", string? clusterIp = null, int? nodePort = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1ServiceSpec
        {
            Type = type,
            ClusterIP = clusterIp,
            Selector = new Dictionary<string, string> { ["app"] = name },
            Ports = [new V1ServicePort { Port = 80, NodePort = nodePort }],
        },
    };

    [Fact]
    public async Task Create_AllocatesDistinctClusterIpsInTheServiceCidr()
    {
        var a = await Client.CreateNamespacedServiceAsync(Service("alloc-a"), "default");
        var b = await Client.CreateNamespacedServiceAsync(Service("alloc-b"), "default");
        Assert.StartsWith("127.43.", a.Spec.ClusterIP);
        Assert.NotEqual(a.Spec.ClusterIP, b.Spec.ClusterIP);
        Assert.Equal([a.Spec.ClusterIP], a.Spec.ClusterIPs);
        Assert.Equal(80, a.Spec.Ports[0].TargetPort.Value is var t && t == "80" ? 80 : int.Parse(t));
    }

    [Fact]
    public async Task Create_RequestedIpTaken_IsInvalid()
    {
        var ex = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CreateNamespacedServiceAsync(Service("taken", clusterIp: "127.43.0.1"), "default"));
        Assert.Equal((HttpStatusCode)422, ex.Response.StatusCode);
        Assert.Contains("provided IP is already allocated", ex.Response.Content);
    }

    [Fact]
    public async Task Create_NodePort_AllocatesFromTheRangeAndRejectsDuplicates()
    {
        var svc = await Client.CreateNamespacedServiceAsync(Service("np", "NodePort"), "default");
        var port = svc.Spec.Ports[0].NodePort!.Value;
        Assert.InRange(port, 30000, 32767);
        var ex = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CreateNamespacedServiceAsync(Service("np2", "NodePort", nodePort: port), "default"));
        Assert.Contains("provided port is already allocated", ex.Response.Content);
    }

    [Fact]
    public async Task Delete_FreesTheAddressForReuse()
    {
        var first = await Client.CreateNamespacedServiceAsync(Service("reuse"), "default");
        await Client.DeleteNamespacedServiceAsync("reuse", "default");
        var again = await Client.CreateNamespacedServiceAsync(Service("reuse2", clusterIp: first.Spec.ClusterIP), "default");
        Assert.Equal(first.Spec.ClusterIP, again.Spec.ClusterIP);
    }
}
