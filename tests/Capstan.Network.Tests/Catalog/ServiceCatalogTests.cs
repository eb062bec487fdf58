using System.Net;
using Capstan.Network.Catalog;
using Capstan.Network.Tests.Infrastructure;
using k8s;
using k8s.Models;

namespace Capstan.Network.Tests.Catalog;

public sealed class ServiceCatalogTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task Catalog_ServiceAndSlice_CombinesPortsAndBackendsAndFollowsDeletes()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var informers = fixture.CreateInformers();
        var catalog = new ServiceCatalog(informers);
        var changes = new List<ServiceChange>();
        using var subscription = catalog.Subscribe(c =>
        {
            lock (changes)
            {
                changes.Add(c);
            }
        });
        informers.Start(cts.Token);
        await catalog.WaitForSyncAsync(cts.Token);

        var service = await fixture.Client.CreateNamespacedServiceAsync(new V1Service
        {
            Metadata = new V1ObjectMeta { Name = "web" },
            Spec = new V1ServiceSpec
            {
                Ports = [new V1ServicePort { Name = "http", Port = 80, TargetPort = 8080 }, new V1ServicePort { Name = "dns", Port = 53, Protocol = "UDP" }],
                SessionAffinity = "ClientIP",
            },
        }, "default", cancellationToken: cts.Token);
        await fixture.Client.CreateNamespacedEndpointSliceAsync(new V1EndpointSlice
        {
            Metadata = new V1ObjectMeta { Name = "web-abc", Labels = new Dictionary<string, string> { ["kubernetes.io/service-name"] = "web" } },
            AddressType = "IPv4",
            Ports = [new Discoveryv1EndpointPort { Name = "http", Port = 8080, Protocol = "TCP" }],
            Endpoints =
            [
                new V1Endpoint { Addresses = ["127.10.0.2"], NodeName = "n1", Conditions = new V1EndpointConditions { Ready = true } },
                new V1Endpoint { Addresses = ["127.10.0.3"], Conditions = new V1EndpointConditions { Ready = false, Serving = true, Terminating = true } },
            ],
        }, "default", cancellationToken: cts.Token);

        await Eventually.TrueAsync(() => catalog.Get("default", "web")?.Ports.FirstOrDefault(p => p.Name == "http")?.Backends.Count == 2, "both backends");
        var view = catalog.Get("default", "web")!;
        Assert.Equal(IPAddress.Parse(service.Spec.ClusterIP), Assert.Single(view.ClusterIps));
        Assert.Equal("ClientIP", view.SessionAffinity);
        var http = view.Ports.Single(p => p.Name == "http");
        Assert.Equal(80, http.Port);
        var ready = http.Backends.Single(b => b.Address.Equals(IPAddress.Parse("127.10.0.2")));
        Assert.True(ready.Ready);
        Assert.Equal(8080, ready.Port);
        Assert.Equal("n1", ready.NodeName);
        var terminating = http.Backends.Single(b => b.Address.Equals(IPAddress.Parse("127.10.0.3")));
        Assert.False(terminating.Ready);
        Assert.True(terminating.Serving);
        Assert.True(terminating.Terminating);
        Assert.Empty(view.Ports.Single(p => p.Name == "dns").Backends);
        Assert.Equal(2, view.Endpoints.Count);

        await fixture.Client.DeleteNamespacedServiceAsync("web", "default", cancellationToken: cts.Token);
        await Eventually.TrueAsync(() => catalog.Get("default", "web") is null, "the service to leave the catalog");
        lock (changes)
        {
            Assert.Contains(changes, c => c.Key == new ServiceKey("default", "web") && c.Old is not null && c.New is null);
        }
    }

    [Fact]
    public async Task Catalog_HeadlessAndExternalName_HaveNoClusterIps()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var informers = fixture.CreateInformers();
        var catalog = new ServiceCatalog(informers);
        informers.Start(cts.Token);
        await catalog.WaitForSyncAsync(cts.Token);

        await fixture.Client.CreateNamespacedServiceAsync(new V1Service
        {
            Metadata = new V1ObjectMeta { Name = "db" },
            Spec = new V1ServiceSpec { ClusterIP = "None", Ports = [new V1ServicePort { Port = 5432 }] },
        }, "default", cancellationToken: cts.Token);
        await fixture.Client.CreateNamespacedServiceAsync(new V1Service
        {
            Metadata = new V1ObjectMeta { Name = "ext" },
            Spec = new V1ServiceSpec { Type = "ExternalName", ExternalName = "example.test" },
        }, "default", cancellationToken: cts.Token);

        await Eventually.TrueAsync(() => catalog.Get("default", "db") is not null && catalog.Get("default", "ext") is not null, "both services");
        Assert.True(catalog.Get("default", "db")!.Headless);
        Assert.Empty(catalog.Get("default", "db")!.ClusterIps);
        Assert.Equal("example.test", catalog.Get("default", "ext")!.ExternalName);
        Assert.Empty(catalog.Get("default", "ext")!.ClusterIps);
    }
}
