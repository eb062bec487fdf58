using System.Collections.Concurrent;
using System.Net;
using Capstan.Client.Dynamic;
using Capstan.Client.Informers;
using k8s;
using Microsoft.Extensions.Logging.Abstractions;

namespace Capstan.Controllers.Tests.Client;

public sealed class DynamicInformerTests
{
    private static readonly ApiResource ConfigMaps = new("", "v1", "configmaps", "ConfigMap", true, ["list", "watch"]);

    private static string Item(string name, string rv) =>
        $$$"""{"metadata":{"name":"{{{name}}}","namespace":"ns","uid":"uid-{{{name}}}","resourceVersion":"{{{rv}}}"}}""";

    private static string List(string rv, params string[] items) =>
        $$"""{"kind":"ConfigMapList","apiVersion":"v1","metadata":{"resourceVersion":"{{rv}}"},"items":[{{string.Join(",", items)}}]}""";

    private static string Event(string type, string obj) => $$"""{"type":"{{type}}","object":{{obj}}}""" + "\n";

    [Fact]
    public async Task RunAsync_WatchGone_RelistsAndReportsDeletionsMissedMeanwhile()
    {
        var api = new FakeApiHandler();
        api.AddList(List("10", Item("a", "5"), Item("b", "6")));
        api.AddWatch(
            Event("ADDED", Item("c", "11"))
            + Event("BOOKMARK", """{"kind":"ConfigMap","apiVersion":"v1","metadata":{"resourceVersion":"15"}}""")
            + Event("ERROR", """{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Expired","code":410}"""));
        // The relist no longer has "a" (deleted while not watching) and has a newer "b".
        api.AddList(List("20", Item("b", "18"), Item("c", "11")));
        using var client = new Kubernetes(new KubernetesClientConfiguration { Host = "http://fake.invalid" }, api);
        var informer = new DynamicInformer(new DynamicClient(client), ConfigMaps, null, NullLogger.Instance);
        var events = new ConcurrentQueue<string>();
        informer.AddEventHandler(new ResourceEventHandler
        {
            OnAdd = o => events.Enqueue("add " + o.GetName()),
            OnUpdate = (_, o) => events.Enqueue("update " + o.GetName()),
            OnDelete = o => events.Enqueue("delete " + o.GetName()),
        });
        using var cts = new CancellationTokenSource();
        var run = informer.RunAsync(cts.Token);

        await WaitAsync(() => api.Requests.Count(r => r.Contains("watch=true", StringComparison.Ordinal)) >= 2);
        await cts.CancelAsync();
        await run;

        Assert.Equal(["add a", "add b", "add c", "delete a", "update b"], events.ToArray());
        Assert.Equal(["ns/b", "ns/c"], informer.Cache.ListKeys().Order());
        Assert.Equal("ConfigMap", informer.Cache.Get("ns/b")!.GetKind());
        var requests = api.Requests.ToArray();
        Assert.Contains("resourceVersion=10", requests[1]);
        Assert.Contains("allowWatchBookmarks=true", requests[1]);
        Assert.DoesNotContain("watch=true", requests[2]);
        Assert.Contains("resourceVersion=20", requests[3]);
    }

    [Fact]
    public async Task RunAsync_ListedAndWatchedObjects_CachedAndHandedOutWithoutManagedFields()
    {
        const string fields = ""","managedFields":[{"manager":"kubectl","operation":"Apply","fieldsType":"FieldsV1","fieldsV1":{"f:data":{}}}]""";
        var api = new FakeApiHandler();
        api.AddList(List("10", Item("a", "5").Replace("\"resourceVersion\":\"5\"", "\"resourceVersion\":\"5\"" + fields, StringComparison.Ordinal)));
        api.AddWatch(Event("ADDED", Item("b", "11").Replace("\"resourceVersion\":\"11\"", "\"resourceVersion\":\"11\"" + fields, StringComparison.Ordinal)));
        using var client = new Kubernetes(new KubernetesClientConfiguration { Host = "http://fake.invalid" }, api);
        var informer = new DynamicInformer(new DynamicClient(client), ConfigMaps, null, NullLogger.Instance);
        var handed = new ConcurrentQueue<string>();
        informer.AddEventHandler(new ResourceEventHandler { OnAdd = o => handed.Enqueue(o.ToJsonString()) });
        using var cts = new CancellationTokenSource();
        var run = informer.RunAsync(cts.Token);

        await WaitAsync(() => informer.Cache.Count == 2);
        await cts.CancelAsync();
        await run;

        Assert.Equal(2, handed.Count);
        Assert.All(handed, json => Assert.DoesNotContain("managedFields", json, StringComparison.Ordinal));
        Assert.All(informer.Cache.List(), o => Assert.Null(o["metadata"]!["managedFields"]));
        Assert.Equal("uid-b", informer.Cache.Get("ns/b")!.GetUid());
    }

    [Fact]
    public async Task RunAsync_StreamEnds_RewatchesFromLastSeenVersion_WithoutRelist()
    {
        var api = new FakeApiHandler();
        api.AddList(List("10"));
        api.AddWatch(Event("ADDED", Item("a", "12")) + Event("BOOKMARK", """{"metadata":{"resourceVersion":"30"}}"""));
        using var client = new Kubernetes(new KubernetesClientConfiguration { Host = "http://fake.invalid" }, api);
        var informer = new DynamicInformer(new DynamicClient(client), ConfigMaps, null, NullLogger.Instance);
        using var cts = new CancellationTokenSource();
        var run = informer.RunAsync(cts.Token);

        await WaitAsync(() => api.Requests.Count >= 3);
        await cts.CancelAsync();
        await run;

        Assert.True(informer.HasSynced);
        var requests = api.Requests.ToArray();
        Assert.Contains("watch=true", requests[2]);
        Assert.Contains("resourceVersion=30", requests[2]);
    }

    [Fact]
    public async Task AddEventHandler_AfterSync_ReplaysExistingObjectsAsAdds()
    {
        var api = new FakeApiHandler();
        api.AddList(List("10", Item("a", "5")));
        using var client = new Kubernetes(new KubernetesClientConfiguration { Host = "http://fake.invalid" }, api);
        var informer = new DynamicInformer(new DynamicClient(client), ConfigMaps, null, NullLogger.Instance);
        using var cts = new CancellationTokenSource();
        var run = informer.RunAsync(cts.Token);
        await informer.WaitForSyncAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);

        var added = new List<string>();
        informer.AddEventHandler(new ResourceEventHandler { OnAdd = o => added.Add(o.GetName()) });
        await cts.CancelAsync();
        await run;

        Assert.Equal(["a"], added);
    }

    [Fact]
    public async Task Factory_MetadataEvents_TheFullInformerWhenThereIsOne_ElseMetadataOnly()
    {
        using var client = new Kubernetes(new KubernetesClientConfiguration { Host = "http://fake.invalid" });
        await using var factory = new SharedInformerFactory(new DynamicClient(client), NullLoggerFactory.Instance);
        var secrets = new ApiResource("", "v1", "secrets", "Secret", true, ["list", "watch"]);
        var full = factory.For(ConfigMaps);

        Assert.Same(full, factory.ForMetadataEvents(ConfigMaps));
        Assert.Same(factory.For(secrets, metadataOnly: true), factory.ForMetadataEvents(secrets));
        Assert.Same(factory.For(secrets), factory.ForMetadataEvents(secrets)); // once there is a full one, later callers get it
    }

    [Fact]
    public async Task Factory_MetadataOnlyAfterFull_FedByTheFullWatch_SameProjection()
    {
        const string full = """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","namespace":"ns","uid":"uid-a","resourceVersion":"5","labels":{"app":"x"},"annotations":{"note":"big"},"ownerReferences":[{"apiVersion":"v1","kind":"Pod","name":"o","uid":"owner"}],"finalizers":["f"]},"data":{"k":"v"}}""";
        var api = new FakeApiHandler();
        api.AddList(List("10", full));
        api.AddWatch(Event("MODIFIED", full.Replace("\"resourceVersion\":\"5\"", "\"resourceVersion\":\"11\"", StringComparison.Ordinal).Replace("\"app\":\"x\"", "\"app\":\"y\"", StringComparison.Ordinal))
            + Event("ADDED", Item("b", "12")) + Event("DELETED", Item("b", "13")));
        using var client = new Kubernetes(new KubernetesClientConfiguration { Host = "http://fake.invalid" }, api);
        await using var factory = new SharedInformerFactory(new DynamicClient(client), NullLoggerFactory.Instance);
        var fullInformer = factory.For(ConfigMaps);
        var metadata = factory.For(ConfigMaps, metadataOnly: true);
        var seen = new ConcurrentQueue<string>();
        metadata.AddEventHandler(new ResourceEventHandler
        {
            OnAdd = o => seen.Enqueue("add " + o.GetName()),
            OnUpdate = (old, o) => seen.Enqueue($"update {o.GetName()} {old["metadata"]!["labels"]!["app"]}->{o["metadata"]!["labels"]!["app"]}"),
            OnDelete = o => seen.Enqueue("delete " + o.GetName()),
        });
        using var cts = new CancellationTokenSource();
        factory.Start(cts.Token);
        await metadata.WaitForSyncAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        await WaitAsync(() => seen.Count == 4);

        Assert.NotSame(fullInformer, metadata);
        Assert.Equal(["add a", "update a x->y", "add b", "delete b"], seen);
        Assert.Equal(
            """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","namespace":"ns","uid":"uid-a","resourceVersion":"11","labels":{"app":"y"},"ownerReferences":[{"apiVersion":"v1","kind":"Pod","name":"o","uid":"owner"}],"finalizers":["f"]}}""",
            metadata.Cache.Get("ns/a")!.ToJsonString());
        Assert.Single(metadata.Cache.ByIndex(Capstan.Client.Cache.IndexedCache.OwnerUidIndex, "owner"));
        Assert.Equal("13", metadata.LastSyncResourceVersion);

        // The full object is untouched, and only the full informer listed and watched.
        Assert.Equal("v", fullInformer.Cache.Get("ns/a")!["data"]!["k"]!.GetValue<string>());
        Assert.Single(api.Requests, r => !r.Contains("watch=true", StringComparison.Ordinal));
        await cts.CancelAsync();
    }

    private static async Task WaitAsync(Func<bool> condition)
    {
        for (var i = 0; i < 300 && !condition(); i++)
        {
            await Task.Delay(100);
        }

        Assert.True(condition());
    }
}
