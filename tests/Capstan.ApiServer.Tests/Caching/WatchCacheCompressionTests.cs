using System.Text;
using Capstan.Api.Json;
using Capstan.Api.Registry;
using Capstan.ApiServer.Caching;
using Capstan.ApiServer.Objects;
using Capstan.Storage.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace Capstan.ApiServer.Tests.Caching;

/// <summary>The watch cache over a real store: objects loaded at start and objects written later end up compressed and read back exactly.</summary>
public sealed class WatchCacheCompressionTests : IAsyncLifetime
{
    private const string Prefix = "/registry/core/configmaps/";

    private static readonly ResourceInfo ConfigMaps = ResourceRegistry.BuiltIn.Find("", "v1", "configmaps")!;

    private TempSqliteStore _temp = null!;

    private SqliteStore Store => _temp.Store;

    public async Task InitializeAsync() => _temp = await TempSqliteStore.OpenAsync("capstan-packed-");

    public async Task DisposeAsync() => await _temp.DisposeAsync();

    // ~700 bytes: 256 of them are more than the 128 KB of samples a dictionary needs.
    private static string ConfigMap(int i, string version) =>
        $$$"""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm-{{{i}}}","namespace":"apps","uid":"{{{new Guid(i, 2, 2, new byte[8])}}}","creationTimestamp":"2026-11-27T01:00:00Z","labels":{"app":"web","tier":"frontend"}},"data":{"nginx.conf":"server {\n  listen 8080;\n  server_name web-{{{i}}}.example.com;\n  location / { proxy_pass http://backend:9000; proxy_set_header Host $host; }\n  location /healthz { return 200 'ok'; }\n}\n","version":"{{{version}}}","settings.json":"{\"replicas\":3,\"timeoutSeconds\":30,\"retries\":5,\"featureFlags\":{\"beta\":false,\"newUi\":true}}"}}""";

    [Fact]
    public async Task StartAndWatch_OverThreeHundredObjects_HoldsThemCompressedAndServesThemExactly()
    {
        // Written before the cache starts: these come in through the initial load, then get repacked.
        for (var i = 0; i < 300; i++)
        {
            Assert.True((await Store.CreateAsync($"{Prefix}apps/cm-{i}", Encoding.UTF8.GetBytes(ConfigMap(i, "v1")))).Succeeded);
        }

        await using var cache = new WatchCache(Store, ResourceRegistry.BuiltIn, NullLogger.Instance);
        await cache.StartAsync(CancellationToken.None);
        var configMaps = cache.For(ConfigMaps);
        await configMaps.Compression.Training;
        var dictionary = configMaps.Compression.Dictionary;
        Assert.NotNull(dictionary);

        // Written after: these come in through the store watch and are packed on the way.
        using var watch = configMaps.Subscribe(cache.Revision, Prefix, out _);
        for (var i = 0; i < 20; i++)
        {
            var key = $"{Prefix}apps/cm-{i}";
            var current = await Store.GetAsync(key);
            Assert.True((await Store.UpdateAsync(key, Encoding.UTF8.GetBytes(ConfigMap(i, "v2")), current!.ModRevision)).Succeeded);
        }

        await cache.SyncAsync(CancellationToken.None);
        var all = configMaps.List(Prefix);
        Assert.Equal(300, all.Count);
        foreach (var obj in all)
        {
            Assert.Same(dictionary, obj.Dictionary);
            var stored = await Store.GetAsync(obj.Key);
            Assert.Equal(Encoding.UTF8.GetString(ObjectCodec.ToCached(obj.Key, stored!.Value, stored.ModRevision).Json), Encoding.UTF8.GetString(obj.Json));
        }

        Assert.True(all.Sum(o => (long)o.OwnBytes) * 4 < all.Sum(o => (long)o.Length));

        for (var i = 0; i < 20; i++)
        {
            Assert.True(watch.Events.TryRead(out var ev));
            Assert.Equal(CacheEventType.Modified, ev.Type);
            Assert.Contains("\"version\":\"v2\"", Encoding.UTF8.GetString(ev.Object.Json));
        }
    }
}
