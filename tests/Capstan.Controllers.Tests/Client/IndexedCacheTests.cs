using System.Text.Json.Nodes;
using Capstan.Client.Cache;
using Capstan.Client.Dynamic;

namespace Capstan.Controllers.Tests.Client;

public sealed class IndexedCacheTests
{
    private static JsonObject Obj(string ns, string name, string rv = "1", params string[] ownerUids)
    {
        var meta = new JsonObject { ["name"] = name, ["uid"] = $"uid-{ns}-{name}", ["resourceVersion"] = rv };
        if (ns.Length > 0)
        {
            meta["namespace"] = ns;
        }

        if (ownerUids.Length > 0)
        {
            meta["ownerReferences"] = new JsonArray([.. ownerUids.Select(u => (JsonNode)new JsonObject { ["apiVersion"] = "v1", ["kind"] = "ConfigMap", ["name"] = "o", ["uid"] = u })]);
        }

        return new JsonObject { ["apiVersion"] = "v1", ["kind"] = "ConfigMap", ["metadata"] = meta };
    }

    [Fact]
    public void Upsert_Get_ByNamespaceAndClusterKey()
    {
        var cache = new IndexedCache();
        cache.Upsert(Obj("a", "x"));
        cache.Upsert(Obj("", "node1"));
        Assert.NotNull(cache.Get("a/x"));
        Assert.NotNull(cache.Get("node1"));
        Assert.Null(cache.Get("b/x"));
        Assert.Equal(2, cache.Count);
    }

    [Fact]
    public void ByIndex_Namespace_ListsOnlyThatNamespace()
    {
        var cache = new IndexedCache();
        cache.Upsert(Obj("a", "x"));
        cache.Upsert(Obj("a", "y"));
        cache.Upsert(Obj("b", "x"));
        Assert.Equal(["x", "y"], cache.ByIndex(IndexedCache.NamespaceIndex, "a").Select(o => o["metadata"]!["name"]!.GetValue<string>()).Order());
    }

    [Fact]
    public void Upsert_ChangedOwners_Reindexes()
    {
        var cache = new IndexedCache();
        cache.Upsert(Obj("a", "x", "1", "owner1"));
        Assert.Single(cache.ByIndex(IndexedCache.OwnerUidIndex, "owner1"));
        cache.Upsert(Obj("a", "x", "2", "owner2"));
        Assert.Empty(cache.ByIndex(IndexedCache.OwnerUidIndex, "owner1"));
        Assert.Single(cache.ByIndex(IndexedCache.OwnerUidIndex, "owner2"));
    }

    [Fact]
    public void Delete_RemovesFromIndexes()
    {
        var cache = new IndexedCache();
        cache.Upsert(Obj("a", "x", "1", "owner1"));
        Assert.NotNull(cache.Delete("a/x"));
        Assert.Null(cache.Delete("a/x"));
        Assert.Empty(cache.ByIndex(IndexedCache.OwnerUidIndex, "owner1"));
        Assert.Empty(cache.ByIndex(IndexedCache.NamespaceIndex, "a"));
    }

    [Fact]
    public void Replace_ReportsAddedUpdatedDeleted()
    {
        var cache = new IndexedCache();
        cache.Upsert(Obj("a", "keep"));
        cache.Upsert(Obj("a", "gone"));
        var delta = cache.Replace([Obj("a", "keep", "2"), Obj("a", "new")]);
        Assert.Equal("a/new", Assert.Single(delta.Added)["metadata"]!["namespace"] + "/" + delta.Added[0]["metadata"]!["name"]);
        Assert.Equal("2", Assert.Single(delta.Updated).New["metadata"]!["resourceVersion"]!.GetValue<string>());
        Assert.Equal("gone", Assert.Single(delta.Deleted)["metadata"]!["name"]!.GetValue<string>());
        Assert.Null(cache.Get("a/gone"));
        Assert.Equal(2, cache.Count);
    }

    [Fact]
    public void AddIndexer_Custom_IndexesExistingAndNewObjects()
    {
        var cache = new IndexedCache();
        cache.Upsert(Obj("a", "x"));
        cache.AddIndexer("byName", o => [o["metadata"]!["name"]!.GetValue<string>()]);
        cache.Upsert(Obj("b", "x"));
        Assert.Equal(2, cache.ByIndex("byName", "x").Count);
        Assert.Throws<InvalidOperationException>(() => cache.AddIndexer("byName", _ => []));
    }

    [Fact]
    public void Serialized_Get_RoundTripsExactlyAsAFreshCopy()
    {
        var cache = new IndexedCache(serialized: true);
        var obj = Obj("a", "x", "7", "owner1");
        obj["data"] = new JsonObject { ["k"] = "v\u00e9\"", ["n"] = 1.5, ["b"] = true, ["z"] = null };
        cache.Upsert(obj);

        var first = cache.Get("a/x")!;
        Assert.Equal(obj.ToJsonString(), first.ToJsonString());
        first["data"]!["k"] = "changed";
        Assert.Equal(obj.ToJsonString(), cache.Get("a/x")!.ToJsonString());
    }

    [Fact]
    public void Serialized_UpsertAndDelete_ReindexAndReturnTheOldObject()
    {
        var cache = new IndexedCache(serialized: true);
        cache.AddIndexer("byName", o => [o["metadata"]!["name"]!.GetValue<string>(), o["metadata"]!["name"]!.GetValue<string>()]);
        cache.Upsert(Obj("a", "x", "1", "owner1"));
        var old = cache.Upsert(Obj("a", "x", "2", "owner2"));

        Assert.Equal("1", old!["metadata"]!["resourceVersion"]!.GetValue<string>());
        Assert.Empty(cache.ByIndex(IndexedCache.OwnerUidIndex, "owner1"));
        Assert.Equal("2", Assert.Single(cache.ByIndex(IndexedCache.OwnerUidIndex, "owner2"))["metadata"]!["resourceVersion"]!.GetValue<string>());
        Assert.Single(cache.ByIndex("byName", "x"));

        var deleted = cache.Delete("a/x");
        Assert.Equal("2", deleted!["metadata"]!["resourceVersion"]!.GetValue<string>());
        Assert.Empty(cache.ByIndex("byName", "x"));
        Assert.Empty(cache.ByIndex(IndexedCache.NamespaceIndex, "a"));
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public void Serialized_AddIndexer_IndexesStoredObjects()
    {
        var cache = new IndexedCache(serialized: true);
        cache.Upsert(Obj("a", "x"));
        cache.AddIndexer("byName", o => [o["metadata"]!["name"]!.GetValue<string>()]);
        cache.Upsert(Obj("b", "x"));
        Assert.Equal(2, cache.ByIndex("byName", "x").Count);
        cache.Delete("a/x");
        Assert.Equal("b", Assert.Single(cache.ByIndex("byName", "x"))["metadata"]!["namespace"]!.GetValue<string>());
    }

    [Fact]
    public void ContainsKey_FollowsUpsertAndDelete()
    {
        var cache = new IndexedCache(serialized: true);
        Assert.False(cache.ContainsKey("node1"));
        cache.Upsert(Obj("", "node1"));
        Assert.True(cache.ContainsKey("node1"));
        cache.Delete("node1");
        Assert.False(cache.ContainsKey("node1"));
    }

    [Fact]
    public void IndexValues_OnlyValuesWithObjects()
    {
        var cache = new IndexedCache(serialized: true);
        cache.Upsert(Obj("a", "x"));
        cache.Upsert(Obj("b", "y"));
        Assert.Equal(["a", "b"], cache.IndexValues(IndexedCache.NamespaceIndex).Order(StringComparer.Ordinal));
        cache.Delete("a/x");
        Assert.Equal(["b"], cache.IndexValues(IndexedCache.NamespaceIndex));
        Assert.Throws<ArgumentException>(() => cache.IndexValues("missing"));
    }

    [Fact]
    public void CountByIndex_FollowsUpsertAndDelete()
    {
        var cache = new IndexedCache(serialized: true);
        Assert.Equal(0, cache.CountByIndex(IndexedCache.NamespaceIndex, "a"));
        cache.Upsert(Obj("a", "x"));
        cache.Upsert(Obj("a", "y"));
        cache.Upsert(Obj("b", "x"));
        Assert.Equal(2, cache.CountByIndex(IndexedCache.NamespaceIndex, "a"));
        cache.Delete("a/x");
        Assert.Equal(1, cache.CountByIndex(IndexedCache.NamespaceIndex, "a"));
        Assert.Throws<ArgumentException>(() => cache.CountByIndex("missing", "a"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AddIndexer_NoneOneOrRepeatedValues_EachValueIndexedOnce(bool serialized)
    {
        var cache = new IndexedCache(serialized);
        cache.AddIndexer("tags", o => o.GetName() switch
        {
            "none" => [],
            "one" => ["t1"],
            "repeated" => new List<string> { "t1", "t2", "t1" },
            _ => ((IEnumerable<string>)["t2", "t2"]).Select(t => t),
        });
        cache.Upsert(Obj("a", "none"));
        cache.Upsert(Obj("a", "one"));
        cache.Upsert(Obj("a", "repeated"));
        cache.Upsert(Obj("a", "lazy"));

        Assert.Equal(["t1", "t2"], cache.IndexValues("tags").Order(StringComparer.Ordinal));
        Assert.Equal(2, cache.CountByIndex("tags", "t1"));
        Assert.Equal(2, cache.CountByIndex("tags", "t2"));

        cache.Delete("a/repeated");
        Assert.Equal(1, cache.CountByIndex("tags", "t1"));
        Assert.Equal(1, cache.CountByIndex("tags", "t2"));
    }

    [Fact]
    public void OwnerUidIndex_NoOwners_NoValues_TwoOwners_Both()
    {
        var cache = new IndexedCache(serialized: true);
        cache.Upsert(Obj("a", "orphan"));
        cache.Upsert(Obj("a", "owned", "1", "u1", "u2", "u1"));

        Assert.Equal(["u1", "u2"], cache.IndexValues(IndexedCache.OwnerUidIndex).Order(StringComparer.Ordinal));
        Assert.Single(cache.ByIndex(IndexedCache.OwnerUidIndex, "u1"));
    }

    [Fact]
    public void Serialized_ReadObjects_ChangedMovedAndClonedFreely_CacheUnchanged()
    {
        var cache = new IndexedCache(serialized: true);
        var obj = Obj("a", "x");
        obj["data"] = new JsonObject { ["k"] = "v" };
        cache.Upsert(obj);

        var first = cache.Get("a/x")!;
        var second = cache.Get("a/x")!;
        var data = first["data"]!;
        first.Remove("data");
        var other = new JsonObject { ["moved"] = data };
        second["data"]!["k"] = "w";

        Assert.Equal("""{"moved":{"k":"v"}}""", other.ToJsonString());
        Assert.Equal(obj.ToJsonString(), cache.Get("a/x")!.ToJsonString());
        Assert.True(JsonNode.DeepEquals(obj, cache.Get("a/x")!.DeepClone()));
    }

    // A pod-sized object (~1 KB without managedFields) that differs from its neighbours in name, uid, node and IP.
    private static JsonObject Pod(int i)
    {
        var pod = Obj("bench", $"pod-{i}", $"{100 + i}", $"owner-{i % 3}");
        pod["kind"] = "Pod";
        pod["spec"] = JsonNode.Parse($$$"""{"containers":[{"name":"c","image":"registry.k8s.io/pause:3.10","resources":{"requests":{"cpu":"10m","memory":"16Mi"}},"terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File","imagePullPolicy":"IfNotPresent"}],"restartPolicy":"Always","dnsPolicy":"ClusterFirst","nodeName":"node-{{{i % 500}}}","schedulerName":"default-scheduler","tolerations":[{"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute","tolerationSeconds":300},{"key":"node.kubernetes.io/unreachable","operator":"Exists","effect":"NoExecute","tolerationSeconds":300}]}""");
        pod["status"] = JsonNode.Parse($$$"""{"phase":"Running","podIP":"10.0.{{{i / 250}}}.{{{i % 250}}}","qosClass":"Burstable","conditions":[{"type":"Ready","status":"True"}]}""");
        return pod;
    }

    [Fact]
    public async Task Serialized_AfterTrainingOnItsObjects_HandsOutTheSameObjectsAndIndexes()
    {
        var cache = new IndexedCache(serialized: true);
        var count = 2 * Capstan.Api.Json.JsonCompression.SampleCount;
        for (var i = 0; i < count; i++)
        {
            cache.Upsert(Pod(i));
        }

        await cache.Compression!.Training;
        Assert.NotNull(cache.Compression.Dictionary);

        // Replaced after the dictionary was trained: packed on the way in; the rest were repacked when it was announced.
        cache.Upsert(Pod(3));
        Assert.Equal(count, cache.Count);
        for (var i = 0; i < count; i++)
        {
            Assert.Equal(Pod(i).ToJsonString(), cache.Get($"bench/pod-{i}")!.ToJsonString());
        }

        Assert.Equal(count / 3 + (count % 3 > 1 ? 1 : 0), cache.ByIndex(IndexedCache.OwnerUidIndex, "owner-1").Count);
        var removed = cache.Delete("bench/pod-7");
        Assert.Equal(Pod(7).ToJsonString(), removed!.ToJsonString());
    }
}
