using System.Net;
using Capstan.Network.Catalog;
using Capstan.Network.Tests.Infrastructure;
using k8s;
using k8s.Models;

namespace Capstan.Network.Tests.Catalog;

public sealed class ServiceCatalogCanaryTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task Catalog_CanaryServiceAnnotation_MarksItsEndpointsAsCanaryBackends()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var informers = fixture.CreateInformers();
        var catalog = new ServiceCatalog(informers);
        informers.Start(cts.Token);
        await catalog.WaitForSyncAsync(cts.Token);

        await fixture.Client.CreateNamespacedServiceAsync(new V1Service
        {
            Metadata = new V1ObjectMeta
            {
                Name = "shop",
                Annotations = new Dictionary<string, string> { [CanaryAnnotations.CanaryService] = "shop-canary", [CanaryAnnotations.CanaryWeight] = "25" },
            },
            Spec = new V1ServiceSpec { Ports = [new V1ServicePort { Name = "http", Port = 80 }] },
        }, "default", cancellationToken: cts.Token);
        await fixture.Client.CreateNamespacedServiceAsync(new V1Service
        {
            Metadata = new V1ObjectMeta { Name = "shop-canary" },
            Spec = new V1ServiceSpec { ClusterIP = "None", Ports = [new V1ServicePort { Name = "http", Port = 80 }] },
        }, "default", cancellationToken: cts.Token);
        await fixture.Client.CreateNamespacedEndpointSliceAsync(Slice("shop-a", "shop", "127.11.0.2", "127.11.0.3"), "default", cancellationToken: cts.Token);
        await fixture.Client.CreateNamespacedEndpointSliceAsync(Slice("shop-canary-a", "shop-canary", "127.11.0.3"), "default", cancellationToken: cts.Token);

        await Eventually.TrueAsync(() => catalog.Get("default", "shop")?.Ports[0].Backends.Any(b => b.Canary) == true, "canary backend marked");
        var view = catalog.Get("default", "shop")!;
        Assert.Equal(25, view.CanaryWeight);
        Assert.False(view.Ports[0].Backends.Single(b => b.Address.Equals(IPAddress.Parse("127.11.0.2"))).Canary);
        Assert.True(view.Ports[0].Backends.Single(b => b.Address.Equals(IPAddress.Parse("127.11.0.3"))).Canary);

        // The canary Service's endpoints going away turn the backend back into a stable one.
        await fixture.Client.DeleteNamespacedEndpointSliceAsync("shop-canary-a", "default", cancellationToken: cts.Token);
        await Eventually.TrueAsync(() => catalog.Get("default", "shop")?.Ports[0].Backends.All(b => !b.Canary) == true, "canary mark cleared");
    }

    private static V1EndpointSlice Slice(string name, string service, params string[] addresses) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["kubernetes.io/service-name"] = service } },
        AddressType = "IPv4",
        Ports = [new Discoveryv1EndpointPort { Name = "http", Port = 8080, Protocol = "TCP" }],
        Endpoints = [.. addresses.Select(a => new V1Endpoint { Addresses = [a], Conditions = new V1EndpointConditions { Ready = true } })],
    };
}
