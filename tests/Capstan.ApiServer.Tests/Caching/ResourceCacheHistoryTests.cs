using Capstan.Api.Registry;
using Capstan.ApiServer.Caching;

namespace Capstan.ApiServer.Tests.Caching;

public sealed class ResourceCacheHistoryTests
{
    private static readonly ResourceInfo ConfigMaps = ResourceRegistry.BuiltIn.Find("", "v1", "configmaps")!;

    private static CacheEvent Event(long revision, string name, int bytes) =>
        new(CacheEventType.Modified, new CachedObject($"/registry/core/configmaps/ns/{name}", revision, new byte[bytes], "ns", name, new Dictionary<string, string>()), revision);

    [Fact]
    public void Apply_PastByteBound_DropsOldestAndExpiresWatchesFromBeforeThem()
    {
        var cache = new ResourceCache(ConfigMaps, 0, historyMaxBytes: 1000);
        for (var revision = 1; revision <= 10; revision++)
        {
            cache.Apply(Event(revision, "a", 300));
        }

        // 300 bytes each within 1,000: the newest three stay.
        Assert.Equal(3, cache.HistoryCount);
        Assert.Throws<WatchExpiredException>(() => cache.Subscribe(6, "/registry/core/configmaps/", out _));
        using var watch = cache.Subscribe(7, "/registry/core/configmaps/", out _);
        var replayed = new List<long>();
        while (watch.Events.TryRead(out var ev))
        {
            replayed.Add(ev.Revision);
        }

        Assert.Equal([8L, 9L, 10L], replayed);
    }

    [Fact]
    public void Apply_EventLargerThanBound_KeepsThatEventAlone()
    {
        var cache = new ResourceCache(ConfigMaps, 0, historyMaxBytes: 1000);
        cache.Apply(Event(1, "a", 100));
        cache.Apply(Event(2, "b", 5000));

        Assert.Equal(1, cache.HistoryCount);
        using var watch = cache.Subscribe(1, "/registry/core/configmaps/", out _);
        Assert.True(watch.Events.TryRead(out var ev));
        Assert.Equal(2, ev.Revision);
    }

    [Fact]
    public void Apply_WithinBounds_KeepsEveryEvent()
    {
        var cache = new ResourceCache(ConfigMaps, 0);
        for (var revision = 1; revision <= 100; revision++)
        {
            cache.Apply(Event(revision, "a" + revision, 1000));
        }

        Assert.Equal(100, cache.HistoryCount);
        using var watch = cache.Subscribe(0, "/registry/core/configmaps/", out _);
        var count = 0;
        while (watch.Events.TryRead(out _))
        {
            count++;
        }

        Assert.Equal(100, count);
    }
}
