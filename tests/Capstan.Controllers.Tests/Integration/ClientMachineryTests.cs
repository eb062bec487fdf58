using System.Collections.Concurrent;
using Capstan.Client.Dynamic;
using Capstan.Client.Informers;
using Capstan.Client.LeaderElection;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Capstan.Controllers.Tests.Integration;

[Trait("Category", "Slow")]
public sealed class ClientMachineryTests(ControllersFixture fixture) : IClassFixture<ControllersFixture>
{
    private Kubernetes Client => fixture.Client;

    [Fact]
    public async Task Discovery_ListsCoreAndGroupResources_WithoutSubresources()
    {
        var resources = await ApiDiscovery.DiscoverAsync(new DynamicClient(Client), CancellationToken.None);
        Assert.Contains(resources, r => r is { Group: "", Resource: "configmaps", Kind: "ConfigMap", Namespaced: true });
        Assert.Contains(resources, r => r is { Group: "apps", Resource: "deployments", Namespaced: true });
        Assert.Contains(resources, r => r is { Group: "", Resource: "namespaces", Namespaced: false });
        Assert.DoesNotContain(resources, r => r.Resource.Contains('/'));
    }

    [Fact]
    public async Task Watch_OutlivesTheHttpClientTimeout()
    {
        // The client's HttpClient.Timeout bounds a request until its headers arrive, not a watch stream read afterwards.
        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(fixture.Server.KubeconfigPath);
        config.HttpClientTimeout = TimeSpan.FromSeconds(1);
        using var shortClient = new Kubernetes(config);
        var dynamic = new DynamicClient(shortClient);
        var configMaps = new ApiResource("", "v1", "configmaps", "ConfigMap", true, ["list", "watch"]);
        var list = await dynamic.ListAsync(configMaps, "kube-public", null, null, CancellationToken.None);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var seen = new TaskCompletionSource<string>();
        var watch = Task.Run(async () =>
        {
            await foreach (var ev in dynamic.WatchAsync(configMaps, "kube-public", list.ResourceVersion, 60, null, null, cts.Token))
            {
                if (ev.Kind == WatchEventKind.Added)
                {
                    seen.TrySetResult(ev.Object.GetName());
                    return;
                }
            }
        });

        await Task.Delay(TimeSpan.FromSeconds(2.5));
        await Client.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "late" } }, "kube-public");
        Assert.Equal("late", await seen.Task.WaitAsync(cts.Token));
        await watch;
    }

    [Fact]
    public async Task Informer_SyncsThenReportsAddUpdateDelete()
    {
        await Client.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "informed" } });
        await Client.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "before" } }, "informed");
        var configMaps = new ApiResource("", "v1", "configmaps", "ConfigMap", true, ["list", "watch"]);
        var informer = new DynamicInformer(new DynamicClient(Client), configMaps, new InformerOptions { Namespace = "informed" }, fixture.LoggerFactory.CreateLogger<DynamicInformer>());
        var events = new ConcurrentQueue<string>();
        informer.AddEventHandler(new ResourceEventHandler
        {
            OnAdd = o => events.Enqueue("add " + o.GetName()),
            OnUpdate = (_, o) => events.Enqueue("update " + o.GetName()),
            OnDelete = o => events.Enqueue("delete " + o.GetName()),
        });
        using var cts = new CancellationTokenSource();
        var run = informer.RunAsync(cts.Token);
        await informer.WaitForSyncAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        Assert.True(informer.HasSynced);
        Assert.NotNull(informer.Cache.Get("informed/before"));

        var cm = await Client.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "after" } }, "informed");
        cm.Data = new Dictionary<string, string> { ["k"] = "v" };
        await Client.ReplaceNamespacedConfigMapAsync(cm, "after", "informed");
        await Client.DeleteNamespacedConfigMapAsync("after", "informed");

        Assert.True(await ControllersFixture.EventuallyAsync(() => Task.FromResult(events.Contains("delete after"))));
        Assert.Equal(["add before", "add after", "update after", "delete after"], events.ToArray());
        Assert.Null(informer.Cache.Get("informed/after"));
        await cts.CancelAsync();
        await run;
    }

    [Fact]
    public async Task ControllerManager_WithLeaderElection_HoldsItsLeaseWhileRunning()
    {
        using var cts = new CancellationTokenSource();
        var options = new ControllerManagerOptions { LeaderElection = true, LeaseName = "manager-election", EnableGarbageCollector = false, EnableNamespaceController = false };
        var run = ControllerManager.RunAsync(Client, options, fixture.LoggerFactory, cts.Token);

        Assert.True(await ControllersFixture.EventuallyAsync(async () =>
        {
            var leases = await Client.CoordinationV1.ListNamespacedLeaseAsync("kube-system");
            return leases.Items.Any(l => l.Metadata.Name == "manager-election" && !string.IsNullOrEmpty(l.Spec.HolderIdentity));
        }));

        await cts.CancelAsync();
        await run;
        var released = await Client.CoordinationV1.ReadNamespacedLeaseAsync("manager-election", "kube-system");
        Assert.True(string.IsNullOrEmpty(released.Spec.HolderIdentity));
    }

    [Fact]
    public async Task LeaderElector_OneLeaderAtATime_HandsOverOnRelease()
    {
        LeaderElector Candidate(string id) => new(
            Client,
            new LeaderElectionOptions { LeaseName = "test-election", Identity = id, RetryPeriod = TimeSpan.FromMilliseconds(200) },
            fixture.LoggerFactory.CreateLogger<LeaderElector>());

        var first = Candidate("first");
        var second = Candidate("second");
        var firstLeading = new TaskCompletionSource();
        var secondLeading = new TaskCompletionSource();
        using var stopFirst = new CancellationTokenSource();
        using var stopSecond = new CancellationTokenSource();
        var firstRun = first.RunAsync(async ct => { firstLeading.SetResult(); await Task.Delay(Timeout.Infinite, ct).ContinueWith(_ => { }, TaskScheduler.Default); }, stopFirst.Token);
        await firstLeading.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var secondRun = second.RunAsync(async ct => { secondLeading.SetResult(); await Task.Delay(Timeout.Infinite, ct).ContinueWith(_ => { }, TaskScheduler.Default); }, stopSecond.Token);

        var lease = await Client.CoordinationV1.ReadNamespacedLeaseAsync("test-election", "kube-system");
        Assert.Equal("first", lease.Spec.HolderIdentity);
        Assert.Equal(15, lease.Spec.LeaseDurationSeconds);
        Assert.False(second.IsLeader);

        await stopFirst.CancelAsync();
        await firstRun;
        await secondLeading.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("second", (await Client.CoordinationV1.ReadNamespacedLeaseAsync("test-election", "kube-system")).Spec.HolderIdentity);

        await stopSecond.CancelAsync();
        try
        {
            await secondRun;
        }
        catch (OperationCanceledException)
        {
        }
    }
}
