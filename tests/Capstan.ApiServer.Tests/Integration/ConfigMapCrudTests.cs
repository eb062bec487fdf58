using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Capstan.ApiServer.Tests.Integration;

public sealed class ConfigMapCrudTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private Kubernetes Client => fixture.Client;

    [Fact]
    public async Task SystemNamespaces_ExistAfterStart()
    {
        var list = await Client.ListNamespaceAsync();
        var names = list.Items.Select(n => n.Metadata.Name).ToHashSet();
        Assert.Superset(new HashSet<string> { "default", "kube-system", "kube-public", "kube-node-lease" }, names);
        var svc = await Client.ReadNamespacedServiceAsync("kubernetes", "default");
        Assert.Equal(443, svc.Spec.Ports[0].Port);
    }

    [Fact]
    public async Task Create_Get_Update_Delete_RoundTrips()
    {
        var created = await Client.CreateNamespacedConfigMapAsync(new V1ConfigMap
        {
            Metadata = new V1ObjectMeta { Name = "crud", Labels = new Dictionary<string, string> { ["app"] = "web" } },
            Data = new Dictionary<string, string> { ["a"] = "1" },
        }, "default");
        Assert.False(string.IsNullOrEmpty(created.Metadata.Uid));
        Assert.NotNull(created.Metadata.CreationTimestamp);
        Assert.False(string.IsNullOrEmpty(created.Metadata.ResourceVersion));

        var got = await Client.ReadNamespacedConfigMapAsync("crud", "default");
        Assert.Equal("1", got.Data["a"]);
        Assert.Equal(created.Metadata.ResourceVersion, got.Metadata.ResourceVersion);

        got.Data["a"] = "2";
        var updated = await Client.ReplaceNamespacedConfigMapAsync(got, "crud", "default");
        Assert.Equal("2", updated.Data["a"]);
        Assert.NotEqual(created.Metadata.ResourceVersion, updated.Metadata.ResourceVersion);

        await Client.DeleteNamespacedConfigMapAsync("crud", "default");
        var ex = await Assert.ThrowsAsync<HttpOperationException>(() => Client.ReadNamespacedConfigMapAsync("crud", "default"));
        Assert.Equal(HttpStatusCode.NotFound, ex.Response.StatusCode);
        Assert.Contains("configmaps \\\"crud\\\" not found", ex.Response.Content);
    }

    [Fact]
    public async Task Update_WithStaleResourceVersion_Conflicts()
    {
        var created = await Client.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "stale" } }, "default");
        created.Data = new Dictionary<string, string> { ["x"] = "1" };
        await Client.ReplaceNamespacedConfigMapAsync(created, "stale", "default");
        created.Data["x"] = "2";
        var ex = await Assert.ThrowsAsync<HttpOperationException>(() => Client.ReplaceNamespacedConfigMapAsync(created, "stale", "default"));
        Assert.Equal(HttpStatusCode.Conflict, ex.Response.StatusCode);
        Assert.Contains("\"reason\":\"Conflict\"", ex.Response.Content);
    }

    [Fact]
    public async Task Create_Twice_IsAlreadyExists()
    {
        await Client.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "twice" } }, "default");
        var ex = await Assert.ThrowsAsync<HttpOperationException>(() =>
            Client.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "twice" } }, "default"));
        Assert.Equal(HttpStatusCode.Conflict, ex.Response.StatusCode);
        Assert.Contains("\"reason\":\"AlreadyExists\"", ex.Response.Content);
    }

    [Fact]
    public async Task Create_InMissingNamespace_IsNotFound()
    {
        var ex = await Assert.ThrowsAsync<HttpOperationException>(() =>
            Client.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "x" } }, "nope"));
        Assert.Equal(HttpStatusCode.NotFound, ex.Response.StatusCode);
        Assert.Contains("namespaces \\\"nope\\\" not found", ex.Response.Content);
    }

    [Fact]
    public async Task GenerateName_GetsRandomSuffix()
    {
        var created = await Client.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { GenerateName = "gen-" } }, "default");
        Assert.StartsWith("gen-", created.Metadata.Name);
        Assert.Equal(9, created.Metadata.Name.Length);
    }

    [Fact]
    public async Task List_WithLimit_PagesWithContinue()
    {
        await Client.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "paging" } });
        for (var i = 0; i < 7; i++)
        {
            await Client.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = $"p{i}" } }, "paging");
        }

        var names = new List<string>();
        string? cont = null;
        var pages = 0;
        do
        {
            var page = await Client.ListNamespacedConfigMapAsync("paging", limit: 3, continueParameter: cont);
            names.AddRange(page.Items.Select(i => i.Metadata.Name));
            cont = page.Metadata.ContinueProperty;
            pages++;
        }
        while (!string.IsNullOrEmpty(cont));

        Assert.Equal(3, pages);
        Assert.Equal(Enumerable.Range(0, 7).Select(i => $"p{i}"), names);
    }

    [Fact]
    public async Task Watch_FromResourceVersion_SeesLaterChanges()
    {
        await Client.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "watching" } });
        var list = await Client.ListNamespacedConfigMapAsync("watching");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var events = new List<(WatchEventType, string)>();
        var watching = Task.Run(async () =>
        {
            await foreach (var (type, item) in Client.CoreV1.WatchListNamespacedConfigMapAsync("watching", resourceVersion: list.Metadata.ResourceVersion, cancellationToken: cts.Token))
            {
                events.Add((type, item.Metadata.Name));
                if (events.Count == 3)
                {
                    break;
                }
            }
        }, cts.Token);

        await Client.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "w1" } }, "watching");
        await Client.PatchNamespacedConfigMapAsync(new V1Patch("{\"data\":{\"k\":\"v\"}}", V1Patch.PatchType.MergePatch), "w1", "watching");
        await Client.DeleteNamespacedConfigMapAsync("w1", "watching");
        await watching;
        Assert.Equal([(WatchEventType.Added, "w1"), (WatchEventType.Modified, "w1"), (WatchEventType.Deleted, "w1")], events);
    }
}
