using System.Text;
using System.Text.Json.Nodes;
using Capstan.Api.Json;
using Capstan.Api.Registry;
using Capstan.ApiServer.Caching;
using Capstan.ApiServer.Objects;

namespace Capstan.ApiServer.Tests.Caching;

public sealed class ResourceCacheCompressionTests
{
    private static readonly ResourceInfo Pods = ResourceRegistry.BuiltIn.Find("", "v1", "pods")!;

    private static byte[] StoredPod(int i, string phase) => ObjectCodec.ToStored(JsonNode.Parse($$$"""
        {"apiVersion":"v1","kind":"Pod","metadata":{"name":"pod-{{{i}}}","namespace":"bench","uid":"{{{new Guid(i, 1, 1, new byte[8])}}}","labels":{"app":"bench"}},
         "spec":{"containers":[{"name":"c","image":"registry.k8s.io/pause:3.10","resources":{"requests":{"cpu":"10m","memory":"16Mi"}},"terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File","imagePullPolicy":"IfNotPresent"}],
                 "restartPolicy":"Always","dnsPolicy":"ClusterFirst","nodeName":"node-{{{i % 500}}}","schedulerName":"default-scheduler",
                 "tolerations":[{"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute","tolerationSeconds":300},{"key":"node.kubernetes.io/unreachable","operator":"Exists","effect":"NoExecute","tolerationSeconds":300}]},
         "status":{"phase":"{{{phase}}}","podIP":"10.0.{{{i / 250}}}.{{{i % 250}}}","qosClass":"Burstable"}}
        """)!.AsObject());

    private static string Key(int i) => $"/registry/core/pods/bench/pod-{i}";

    [Fact]
    public void Apply_OnceTrained_CurrentObjectsAndTheWindowAreCompressedAndReadBackExactly()
    {
        var cache = new ResourceCache(Pods, 0, trainInBackground: false);
        var count = JsonCompression.SampleCount + 100;
        long revision = 0;
        var expected = new Dictionary<long, string>();
        for (var i = 0; i < count; i++)
        {
            var cached = ObjectCodec.ToCached(Key(i), StoredPod(i, "Pending"), ++revision, cache.Compression);
            expected[revision] = Encoding.UTF8.GetString(ObjectCodec.ToCached(Key(i), StoredPod(i, "Pending"), revision).Json);
            cache.Apply(new CacheEvent(CacheEventType.Added, cached, revision));
        }

        // Superseded versions stay in the window; their objects must read back too.
        for (var i = 0; i < 10; i++)
        {
            var cached = ObjectCodec.ToCached(Key(i), StoredPod(i, "Running"), ++revision, cache.Compression);
            expected[revision] = Encoding.UTF8.GetString(ObjectCodec.ToCached(Key(i), StoredPod(i, "Running"), revision).Json);
            cache.Apply(new CacheEvent(CacheEventType.Modified, cached, revision));
        }

        var dictionary = cache.Compression.Dictionary;
        Assert.NotNull(dictionary);
        var current = cache.List("/registry/core/pods/");
        Assert.Equal(count, current.Count);
        Assert.All(current, o => Assert.Same(dictionary, o.Dictionary));
        Assert.All(current, o => Assert.Equal(expected[o.Revision], Encoding.UTF8.GetString(o.Json)));

        using var watch = cache.Subscribe(0, "/registry/core/pods/", out _);
        var replayed = 0;
        while (watch.Events.TryRead(out var ev))
        {
            Assert.Same(dictionary, ev.Object.Dictionary);
            Assert.Equal(expected[ev.Revision], Encoding.UTF8.GetString(ev.Object.Json));
            replayed++;
        }

        Assert.Equal(count + 10, replayed);
        Assert.True(current.Sum(o => (long)o.OwnBytes) * 4 < current.Sum(o => (long)o.Length));
    }
}
