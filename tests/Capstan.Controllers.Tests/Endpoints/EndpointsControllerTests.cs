using Capstan.Client.Dynamic;
using Capstan.Client.Informers;
using Capstan.Controllers.Endpoints;
using Capstan.Controllers.Tests.Integration;
using k8s;
using k8s.Models;

namespace Capstan.Controllers.Tests.Endpoints;

[Trait("Category", "Slow")]
public sealed class EndpointsControllerTests(ControllersFixture fixture) : IClassFixture<ControllersFixture>
{
    private Kubernetes Client => fixture.Client;

    [Fact]
    public async Task Endpoints_PodsReadyThenNotReady_AddressesMoveAndServiceDeletionRemovesThem()
    {
        const string ns = "ep-basic";
        await Client.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } });
        await ServicePods.EnsureNodeAsync(Client);
        await Client.CreateNamespacedServiceAsync(ServicePods.Service("web", "web"), ns);
        for (var i = 1; i <= 3; i++)
        {
            await ServicePods.CreateAsync(Client, ns, $"web-{i}", "web", $"10.9.0.{i}");
        }

        await ServicePods.CreateAsync(Client, ns, "other", "other", "10.9.0.9");

        V1Endpoints? ep = null;
        Assert.True(await ControllersFixture.EventuallyAsync(async () =>
        {
            ep = await Client.ReadNamespacedEndpointsAsync("web", ns);
            return ep.Subsets?.SingleOrDefault()?.Addresses?.Count == 3;
        }));
        var subset = ep!.Subsets.Single();
        Assert.Equal(["10.9.0.1", "10.9.0.2", "10.9.0.3"], subset.Addresses.Select(a => a.Ip));
        Assert.Equal(("http", 8080, "TCP"), (subset.Ports.Single().Name, subset.Ports.Single().Port, subset.Ports.Single().Protocol));
        Assert.All(subset.Addresses, a => Assert.Equal(("Pod", "node-a"), (a.TargetRef.Kind, a.NodeName)));
        Assert.True(ep.Metadata.Annotations.ContainsKey("endpoints.kubernetes.io/last-change-trigger-time"));

        await ServicePods.SetStatusAsync(Client, ns, "web-2", "10.9.0.2", ready: false);
        Assert.True(await ControllersFixture.EventuallyAsync(async () =>
        {
            ep = await Client.ReadNamespacedEndpointsAsync("web", ns);
            return ep.Subsets.Single().NotReadyAddresses?.SingleOrDefault()?.Ip == "10.9.0.2";
        }));
        Assert.Equal(["10.9.0.1", "10.9.0.3"], ep!.Subsets.Single().Addresses.Select(a => a.Ip));

        await Client.DeleteNamespacedServiceAsync("web", ns);
        Assert.True(await ControllersFixture.EventuallyAsync(() => ApiProbe.IsGoneAsync(() => Client.ReadNamespacedEndpointsAsync("web", ns))));
    }

    [Fact]
    public async Task Endpoints_SelectorlessService_UserEndpointsLeftAloneAndMirroredToSlices()
    {
        const string ns = "ep-manual";
        await Client.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } });
        await Client.CreateNamespacedServiceAsync(new V1Service
        {
            Metadata = new V1ObjectMeta { Name = "db" },
            Spec = new V1ServiceSpec { Ports = [new V1ServicePort { Name = "pg", Port = 5432 }] },
        }, ns);
        await Client.CreateNamespacedEndpointsAsync(new V1Endpoints
        {
            Metadata = new V1ObjectMeta
            {
                Name = "db",
                Labels = new Dictionary<string, string> { ["tier"] = "data" },
                Annotations = new Dictionary<string, string> { ["example.com/note"] = "external" },
            },
            Subsets = [new V1EndpointSubset { Addresses = [new V1EndpointAddress { Ip = "192.0.2.10" }], Ports = [new Corev1EndpointPort { Name = "pg", Port = 5432 }] }],
        }, ns);

        V1EndpointSlice? slice = null;
        Assert.True(await ControllersFixture.EventuallyAsync(async () =>
        {
            slice = (await Client.ListNamespacedEndpointSliceAsync(ns, labelSelector: "kubernetes.io/service-name=db")).Items.SingleOrDefault();
            return slice is not null;
        }));
        Assert.Equal("endpointslicemirroring-controller.k8s.io", slice!.Metadata.Labels["endpointslice.kubernetes.io/managed-by"]);
        Assert.Equal(["192.0.2.10"], slice.Endpoints.Single().Addresses);
        Assert.True(slice.Endpoints.Single().Conditions.Ready);
        Assert.Equal(("pg", 5432), (slice.Ports.Single().Name, slice.Ports.Single().Port));
        Assert.Equal("Service", slice.Metadata.OwnerReferences.Single().Kind);
        Assert.Equal("data", slice.Metadata.Labels["tier"]);
        Assert.Equal("external", slice.Metadata.Annotations["example.com/note"]);

        // The endpoints controller never rewrites a selector-less Service's Endpoints.
        var ep = await Client.ReadNamespacedEndpointsAsync("db", ns);
        Assert.Equal("192.0.2.10", ep.Subsets.Single().Addresses.Single().Ip);

        await Client.DeleteNamespacedEndpointsAsync("db", ns);
        Assert.True(await ControllersFixture.EventuallyAsync(async () =>
            (await Client.ListNamespacedEndpointSliceAsync(ns, labelSelector: "kubernetes.io/service-name=db")).Items.Count == 0));
    }

    [Fact]
    public async Task Endpoints_LeftOverWithoutService_DeletedAtStartOnly()
    {
        const string ns = "ep-leftover";
        await Client.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } });
        V1Endpoints Orphan(string name) => new()
        {
            Metadata = new V1ObjectMeta { Name = name },
            Subsets = [new V1EndpointSubset { Addresses = [new V1EndpointAddress { Ip = "192.0.2.20" }], Ports = [new Corev1EndpointPort { Port = 80 }] }],
        };
        await Client.CreateNamespacedEndpointsAsync(Orphan("before"), ns);

        // A controller starting now finds "before" without a Service and removes it; "after" appears once it runs and stays.
        using var client = new Kubernetes(fixture.Config);
        await using var informers = new SharedInformerFactory(new DynamicClient(client), fixture.LoggerFactory);
        using var controller = new EndpointsController(informers, fixture.LoggerFactory, 1);
        using var stop = new CancellationTokenSource();
        informers.Start(stop.Token);
        await controller.StartAsync(stop.Token);
        try
        {
            Assert.True(await ControllersFixture.EventuallyAsync(() => ApiProbe.IsGoneAsync(() => Client.ReadNamespacedEndpointsAsync("before", ns))));
            await Client.CreateNamespacedEndpointsAsync(Orphan("after"), ns);

            // Later events have been handled once a Service created afterwards has its Endpoints.
            await Client.CreateNamespacedServiceAsync(ServicePods.Service("sync", "sync"), ns);
            Assert.True(await ControllersFixture.EventuallyAsync(async () => !await ApiProbe.IsGoneAsync(() => Client.ReadNamespacedEndpointsAsync("sync", ns))));
            Assert.False(await ApiProbe.IsGoneAsync(() => Client.ReadNamespacedEndpointsAsync("after", ns)));
        }
        finally
        {
            await stop.CancelAsync();
            await controller.StopAsync(CancellationToken.None);
        }
    }
}
