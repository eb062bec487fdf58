using Capstan.Controllers.Tests.Endpoints;
using Capstan.Controllers.Tests.Integration;
using k8s;
using k8s.Models;

namespace Capstan.Controllers.Tests.EndpointSlice;

[Trait("Category", "Slow")]
public sealed class EndpointSliceControllerTests(ControllersFixture fixture) : IClassFixture<ControllersFixture>
{
    private Kubernetes Client => fixture.Client;

    private async Task<List<V1EndpointSlice>> SlicesAsync(string ns, string service) =>
        [.. (await Client.ListNamespacedEndpointSliceAsync(ns, labelSelector: $"kubernetes.io/service-name={service},endpointslice.kubernetes.io/managed-by=endpointslice-controller.k8s.io")).Items];

    [Fact]
    public async Task Slices_TrackReadinessAndTermination_UpdatedInPlace()
    {
        const string ns = "eps-basic";
        await Client.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } });
        await ServicePods.EnsureNodeAsync(Client);
        var service = await Client.CreateNamespacedServiceAsync(ServicePods.Service("web", "web"), ns);

        // No pods yet: one placeholder slice.
        Assert.True(await ControllersFixture.EventuallyAsync(async () => (await SlicesAsync(ns, "web")).Count == 1));

        for (var i = 1; i <= 3; i++)
        {
            await ServicePods.CreateAsync(Client, ns, $"web-{i}", "web", $"10.8.0.{i}");
        }

        V1EndpointSlice? slice = null;
        Assert.True(await ControllersFixture.EventuallyAsync(async () =>
        {
            var slices = await SlicesAsync(ns, "web");
            slice = slices.Count == 1 ? slices[0] : null;
            return slice?.Endpoints?.Count(e => e.Conditions.Ready == true) == 3;
        }));
        Assert.Equal("IPv4", slice!.AddressType);
        Assert.Equal(("http", 8080, "TCP"), (slice.Ports.Single().Name, slice.Ports.Single().Port, slice.Ports.Single().Protocol));
        var owner = slice.Metadata.OwnerReferences.Single();
        Assert.Equal(("Service", service.Metadata.Uid, true), (owner.Kind, owner.Uid, owner.Controller));
        Assert.All(slice.Endpoints, e => Assert.Equal(("node-a", "Pod"), (e.NodeName, e.TargetRef.Kind)));
        var name = slice.Metadata.Name;

        await ServicePods.SetStatusAsync(Client, ns, "web-2", "10.8.0.2", ready: false);
        Assert.True(await ControllersFixture.EventuallyAsync(async () =>
        {
            slice = (await SlicesAsync(ns, "web")).Single();
            var e = slice.Endpoints.Single(x => x.Addresses[0] == "10.8.0.2");
            return e.Conditions is { Ready: false, Serving: false, Terminating: false };
        }));
        Assert.Equal(name, slice!.Metadata.Name);

        // A pod being deleted stays listed as terminating (its finalizer holds it) with ready false and serving from its readiness.
        var pod = await Client.ReadNamespacedPodAsync("web-3", ns);
        pod.Metadata.Finalizers = ["test.capstan.io/hold"];
        await Client.ReplaceNamespacedPodAsync(pod, "web-3", ns);
        await Client.DeleteNamespacedPodAsync("web-3", ns);
        Assert.True(await ControllersFixture.EventuallyAsync(async () =>
        {
            var e = (await SlicesAsync(ns, "web")).Single().Endpoints.Single(x => x.Addresses[0] == "10.8.0.3");
            return e.Conditions is { Ready: false, Serving: true, Terminating: true };
        }));

        pod = await Client.ReadNamespacedPodAsync("web-3", ns);
        pod.Metadata.Finalizers = [];
        await Client.ReplaceNamespacedPodAsync(pod, "web-3", ns);
        Assert.True(await ControllersFixture.EventuallyAsync(async () =>
            (await SlicesAsync(ns, "web")).Single().Endpoints.All(e => e.Addresses[0] != "10.8.0.3")));
    }

    [Fact]
    public async Task Slices_MoreThanMaxEndpoints_SplitIntoSlicesOfAtMostHundred()
    {
        const string ns = "eps-many";
        await Client.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } });
        await ServicePods.EnsureNodeAsync(Client);
        await Client.CreateNamespacedServiceAsync(ServicePods.Service("many", "many"), ns);
        await Task.WhenAll(Enumerable.Range(0, 130).Select(i => ServicePods.CreateAsync(Client, ns, $"many-{i}", "many", $"10.7.{i / 200}.{i % 200 + 1}")));

        var seen = "";
        var converged = await ControllersFixture.EventuallyAsync(async () =>
        {
            var slices = await SlicesAsync(ns, "many");
            var ready = (await Client.ListNamespacedPodAsync(ns)).Items.Count(p => p.Status?.PodIP is not null);
            seen = $"{ready} pods with an IP; slices: " + string.Join(", ", slices.Select(s => $"{s.Metadata.Name}={s.Endpoints?.Count ?? 0}"));
            return slices.Sum(s => s.Endpoints?.Count ?? 0) == 130 && slices.All(s => s.Endpoints.Count <= 100);
        });
        Assert.True(converged, seen);
        Assert.Equal(2, (await SlicesAsync(ns, "many")).Count);
    }

    [Fact]
    public async Task Slices_ServiceRecreated_NewSliceOwnedByNewServiceOldOneCollected()
    {
        const string ns = "eps-recreate";
        await Client.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } });
        await ServicePods.EnsureNodeAsync(Client);
        await ServicePods.CreateAsync(Client, ns, "app-1", "app", "10.6.0.1");
        var first = await Client.CreateNamespacedServiceAsync(ServicePods.Service("app", "app"), ns);
        Assert.True(await ControllersFixture.EventuallyAsync(async () => (await SlicesAsync(ns, "app")).SingleOrDefault()?.Endpoints?.Count == 1));

        await Client.DeleteNamespacedServiceAsync("app", ns);
        var second = await Client.CreateNamespacedServiceAsync(ServicePods.Service("app", "app"), ns);

        Assert.NotEqual(first.Metadata.Uid, second.Metadata.Uid);
        Assert.True(await ControllersFixture.EventuallyAsync(async () =>
        {
            var slices = await SlicesAsync(ns, "app");
            return slices.Count == 1 && slices[0].Metadata.OwnerReferences.Single().Uid == second.Metadata.Uid && slices[0].Endpoints?.Count == 1;
        }));
    }
}
