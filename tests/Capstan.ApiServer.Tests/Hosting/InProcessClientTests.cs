using System.Net;
using System.Text.Json.Nodes;
using Capstan.ApiServer.Security;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Capstan.ApiServer.Tests.Hosting;

/// <summary>The official client over <see cref="Hosting.InProcessHandler"/>: the whole request pipeline, no socket.</summary>
public sealed class InProcessClientTests(InProcessServerFixture fixture) : IClassFixture<InProcessServerFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private Kubernetes ControllerManager() => fixture.Server.CreateInProcessClient(SystemUsers.KubeControllerManager);

    private static V1ConfigMap ConfigMap(string name, string value = "v") => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Data = new Dictionary<string, string> { ["k"] = value },
    };

    [Fact]
    public async Task TypedClient_CreateGetListDelete_Work()
    {
        using var client = ControllerManager();
        var created = await client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("in-process-crud"), "default");
        Assert.False(string.IsNullOrEmpty(created.Metadata.Uid));

        var got = await client.CoreV1.ReadNamespacedConfigMapAsync("in-process-crud", "default");
        Assert.Equal(created.Metadata.Uid, got.Metadata.Uid);
        Assert.Equal("v", got.Data["k"]);

        var list = await client.CoreV1.ListNamespacedConfigMapAsync("default");
        Assert.Contains(list.Items, c => c.Metadata.Name == "in-process-crud");

        await client.CoreV1.DeleteNamespacedConfigMapAsync("in-process-crud", "default");
        var gone = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.ReadNamespacedConfigMapAsync("in-process-crud", "default"));
        Assert.Equal(HttpStatusCode.NotFound, gone.Response.StatusCode);
    }

    [Fact]
    public async Task Create_ValidationStillApplies_Is422()
    {
        using var client = ControllerManager();
        var ex = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("Bad_Name"), "default"));
        Assert.Equal((HttpStatusCode)422, ex.Response.StatusCode);
    }

    [Fact]
    public async Task Create_UserWithoutTheVerb_IsForbiddenByRbac()
    {
        // The scheduler's role reads pods and nodes; it may not create ConfigMaps.
        using var scheduler = fixture.Server.CreateInProcessClient(SystemUsers.KubeScheduler);
        var ex = await Assert.ThrowsAsync<HttpOperationException>(() => scheduler.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("not-allowed"), "default"));
        Assert.Equal(HttpStatusCode.Forbidden, ex.Response.StatusCode);
        Assert.Contains("system:kube-scheduler", ex.Response.Content, StringComparison.Ordinal);
        Assert.Contains("cannot create resource", ex.Response.Content, StringComparison.Ordinal);

        // What the role grants is allowed.
        var nodes = await scheduler.CoreV1.ListNodeAsync();
        Assert.NotNull(nodes);
    }

    [Fact]
    public async Task List_UnknownUser_IsForbiddenButDiscoveryIsOpen()
    {
        using var nobody = fixture.Server.CreateInProcessClient("capstan:test-nobody");
        var ex = await Assert.ThrowsAsync<HttpOperationException>(() => nobody.CoreV1.ListNamespacedSecretAsync("default"));
        Assert.Equal(HttpStatusCode.Forbidden, ex.Response.StatusCode);

        // system:authenticated is added, so the discovery role applies.
        var groups = await nobody.Apis.GetAPIVersionsAsync();
        Assert.NotEmpty(groups.Groups);
    }

    [Fact]
    public async Task Masters_AreAllowedEverything()
    {
        using var admin = fixture.Server.CreateInProcessClient("test-admin", SystemGroups.Masters);
        var secrets = await admin.CoreV1.ListNamespacedSecretAsync("default");
        Assert.NotNull(secrets);
    }

    [Fact]
    public async Task TypedWatch_StreamsEventsAsTheyHappen()
    {
        using var client = ControllerManager();
        var list = await client.CoreV1.ListNamespacedConfigMapAsync("default");
        using var cts = new CancellationTokenSource(Patience);
        var events = client.CoreV1.WatchListNamespacedConfigMapAsync("default", resourceVersion: list.Metadata.ResourceVersion, cancellationToken: cts.Token);
        await using var enumerator = events.GetAsyncEnumerator(cts.Token);

        // The watch is open (headers answered) before anything is written; each write then arrives on the open stream.
        var next = enumerator.MoveNextAsync().AsTask();
        await client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("in-process-watch"), "default");
        Assert.True(await next);
        Assert.Equal(WatchEventType.Added, enumerator.Current.Item1);
        Assert.Equal("in-process-watch", enumerator.Current.Item2.Metadata.Name);

        next = enumerator.MoveNextAsync().AsTask();
        await client.CoreV1.PatchNamespacedConfigMapAsync(
            new V1Patch("""{"data":{"k":"changed"}}""", V1Patch.PatchType.MergePatch), "in-process-watch", "default");
        Assert.True(await next);
        Assert.Equal(WatchEventType.Modified, enumerator.Current.Item1);
        Assert.Equal("changed", enumerator.Current.Item2.Data["k"]);

        next = enumerator.MoveNextAsync().AsTask();
        await client.CoreV1.DeleteNamespacedConfigMapAsync("in-process-watch", "default");
        Assert.True(await next);
        Assert.Equal(WatchEventType.Deleted, enumerator.Current.Item1);
    }

    [Fact]
    public async Task RawWatch_DisposingTheResponse_EndsTheWatchAndTheClientGoesOn()
    {
        using var client = ControllerManager();
        for (var i = 0; i < 3; i++)
        {
            var list = await client.CoreV1.ListNamespacedConfigMapAsync("default");
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(client.BaseUri, $"api/v1/namespaces/default/configmaps?watch=true&resourceVersion={list.Metadata.ResourceVersion}"));
            using var cts = new CancellationTokenSource(Patience);
            var response = await client.HttpClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            var stream = await response.Content.ReadAsStreamAsync(cts.Token);
            using var reader = new StreamReader(stream);
            var line = reader.ReadLineAsync(cts.Token).AsTask();
            await client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap($"in-process-raw-{i}"), "default");
            var ev = JsonNode.Parse((await line)!)!;
            Assert.Equal("ADDED", (string?)ev["type"]);
            Assert.Equal($"in-process-raw-{i}", (string?)ev["object"]!["metadata"]!["name"]);
            response.Dispose();
        }

        // After three abandoned watches the client still works.
        var again = await client.CoreV1.ListNamespacedConfigMapAsync("default");
        Assert.Contains(again.Items, c => c.Metadata.Name == "in-process-raw-2");
    }

    [Fact]
    public async Task Delete_OptionsInTheBody_AreHonoured()
    {
        using var client = ControllerManager();
        await client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "in-process-grace" },
            Spec = new V1PodSpec { NodeName = "somewhere", Containers = [new V1Container { Name = "c", Image = "busybox" }] },
        }, "default");

        // A bound pod is deleted gracefully by default; gracePeriodSeconds 0 in the body removes it at once.
        await client.CoreV1.DeleteNamespacedPodAsync("in-process-grace", "default", new V1DeleteOptions { GracePeriodSeconds = 0 });

        var gone = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.ReadNamespacedPodAsync("in-process-grace", "default"));
        Assert.Equal(HttpStatusCode.NotFound, gone.Response.StatusCode);
    }
}
