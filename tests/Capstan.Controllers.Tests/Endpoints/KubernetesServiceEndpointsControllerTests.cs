using System.Net;
using Capstan.Client.Dynamic;
using Capstan.Client.Informers;
using Capstan.Controllers.Endpoints;
using Capstan.Controllers.Tests.Integration;
using k8s;

namespace Capstan.Controllers.Tests.Endpoints;

[Trait("Category", "Slow")]
public sealed class KubernetesServiceEndpointsControllerTests(ControllersFixture fixture) : IClassFixture<ControllersFixture>
{
    private Kubernetes Client => fixture.Client;

    [Fact]
    public async Task KubernetesService_EndpointsAndSliceListTheApiServer_RestoredAfterTampering()
    {
        using var client = new Kubernetes(fixture.Config);
        await using var informers = new SharedInformerFactory(new DynamicClient(client), fixture.LoggerFactory);
        using var controller = new KubernetesServiceEndpointsController(informers, new IPEndPoint(IPAddress.Parse("127.0.0.1"), 6443), fixture.LoggerFactory);
        using var stop = new CancellationTokenSource();
        informers.Start(stop.Token);
        await controller.StartAsync(stop.Token);
        try
        {
            Assert.True(await ControllersFixture.EventuallyAsync(async () =>
                !await ApiProbe.IsGoneAsync(() => Client.ReadNamespacedEndpointsAsync("kubernetes", "default"))
                && !await ApiProbe.IsGoneAsync(() => Client.ReadNamespacedEndpointSliceAsync("kubernetes", "default"))));
            var ep = await Client.ReadNamespacedEndpointsAsync("kubernetes", "default");
            Assert.Equal("true", ep.Metadata.Labels["endpointslice.kubernetes.io/skip-mirror"]);
            var subset = ep.Subsets.Single();
            Assert.Equal(("127.0.0.1", "https", 6443), (subset.Addresses.Single().Ip, subset.Ports.Single().Name, subset.Ports.Single().Port));
            var slice = await Client.ReadNamespacedEndpointSliceAsync("kubernetes", "default");
            Assert.Equal(("IPv4", "kubernetes", "127.0.0.1", true), (slice.AddressType, slice.Metadata.Labels["kubernetes.io/service-name"], slice.Endpoints.Single().Addresses.Single(), slice.Endpoints.Single().Conditions.Ready));

            // The mirroring controller leaves it alone (skip-mirror): no second slice for the Service.
            Assert.Single((await Client.ListNamespacedEndpointSliceAsync("default", labelSelector: "kubernetes.io/service-name=kubernetes")).Items);

            ep.Subsets.Single().Addresses.Single().Ip = "127.0.0.99";
            await Client.ReplaceNamespacedEndpointsAsync(ep, "kubernetes", "default");
            Assert.True(await ControllersFixture.EventuallyAsync(async () =>
                (await Client.ReadNamespacedEndpointsAsync("kubernetes", "default")).Subsets.Single().Addresses.Single().Ip == "127.0.0.1"));
        }
        finally
        {
            await stop.CancelAsync();
            await controller.StopAsync(CancellationToken.None);
        }
    }
}
