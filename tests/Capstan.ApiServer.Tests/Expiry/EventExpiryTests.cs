using System.Text;
using System.Text.Json.Nodes;
using Capstan.Api.Registry;
using Capstan.ApiServer.Caching;
using Capstan.ApiServer.Expiry;
using Capstan.Storage.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace Capstan.ApiServer.Tests.Expiry;

public sealed class EventExpiryTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Ttl = TimeSpan.FromHours(1);

    private readonly ManualTime _time = new(Now);
    private TempSqliteStore _temp = null!;
    private WatchCache _cache = null!;

    private SqliteStore Store => _temp.Store;

    public async Task InitializeAsync()
    {
        _temp = await TempSqliteStore.OpenAsync("capstan-expiry-");
        _cache = new WatchCache(Store, ResourceRegistry.BuiltIn, NullLogger.Instance);
        await _cache.StartAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _cache.DisposeAsync();
        await _temp.DisposeAsync();
    }

    [Theory]
    [InlineData("""{"metadata":{"creationTimestamp":"2026-11-26T10:00:00Z"},"lastTimestamp":"2026-11-26T11:00:00Z","firstTimestamp":"2026-11-26T10:00:00Z"}""", "2026-11-26T11:00:00Z")]
    [InlineData("""{"metadata":{"creationTimestamp":"2026-11-26T10:00:00Z"},"eventTime":"2026-11-26T10:30:00.123456Z","series":{"count":3,"lastObservedTime":"2026-11-26T11:15:00.000001Z"}}""", "2026-11-26T11:15:00.000001Z")]
    [InlineData("""{"metadata":{"creationTimestamp":"2026-11-26T10:00:00Z","managedFields":[{"manager":"a","time":"2026-11-26T10:00:00Z"},{"manager":"b","time":"2026-11-26T11:45:00Z"}]},"lastTimestamp":null}""", "2026-11-26T11:45:00Z")]
    [InlineData("""{"metadata":{"creationTimestamp":"2026-11-26T10:00:00Z"},"deprecatedLastTimestamp":"2026-11-26T10:05:00Z","lastTimestamp":"not a time"}""", "2026-11-26T10:05:00Z")]
    [InlineData("""{"metadata":{}}""", "2026-11-26T12:00:00Z")]
    public void LastWrite_NewestTimeTheEventCarries(string json, string expected)
    {
        var expiry = new EventExpiry(Store, _cache, Ttl, _time, NullLogger.Instance);

        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), expiry.LastWrite(JsonNode.Parse(json)!.AsObject()));
    }

    [Fact]
    public async Task Sweep_DeletesOnlyEventsPastTheirTtl()
    {
        await PutAsync("/registry/core/events/default/old", Event("old", Now - Ttl - TimeSpan.FromSeconds(1)));
        await PutAsync("/registry/core/events/default/fresh", Event("fresh", Now - Ttl + TimeSpan.FromSeconds(1)));
        await PutAsync("/registry/events.k8s.io/events/default/new-api-old", """{"apiVersion":"events.k8s.io/v1","kind":"Event","metadata":{"name":"new-api-old","namespace":"default","creationTimestamp":"2026-11-26T09:00:00Z"},"eventTime":"2026-11-26T09:00:00.000000Z"}""");
        await PutAsync("/registry/core/configmaps/default/old", """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"old","namespace":"default","creationTimestamp":"2020-01-01T00:00:00Z"}}""");
        await _cache.SyncAsync(CancellationToken.None);
        var expiry = new EventExpiry(Store, _cache, Ttl, _time, NullLogger.Instance);

        var deleted = await expiry.SweepAsync(CancellationToken.None);

        Assert.Equal(2, deleted);
        Assert.Null(await Store.GetAsync("/registry/core/events/default/old"));
        Assert.Null(await Store.GetAsync("/registry/events.k8s.io/events/default/new-api-old"));
        Assert.NotNull(await Store.GetAsync("/registry/core/events/default/fresh"));
        Assert.NotNull(await Store.GetAsync("/registry/core/configmaps/default/old"));
    }

    [Fact]
    public async Task Sweep_EventWrittenAgain_KeptUntilTtlAfterTheNewWrite()
    {
        await PutAsync("/registry/core/events/default/repeated", Event("repeated", Now - TimeSpan.FromMinutes(50)));
        await _cache.SyncAsync(CancellationToken.None);
        var expiry = new EventExpiry(Store, _cache, Ttl, _time, NullLogger.Instance);
        Assert.Equal(0, await expiry.SweepAsync(CancellationToken.None));

        // Seen again 30 minutes later (count 2, a new lastTimestamp), then 40 more minutes pass: 70 since the first write.
        _time.Now = Now + TimeSpan.FromMinutes(30);
        var current = await Store.GetAsync("/registry/core/events/default/repeated");
        await Store.UpdateAsync("/registry/core/events/default/repeated", Encoding.UTF8.GetBytes(Event("repeated", Now - TimeSpan.FromMinutes(50), _time.Now)), current!.ModRevision);
        await _cache.SyncAsync(CancellationToken.None);
        _time.Now = Now + TimeSpan.FromMinutes(40);

        Assert.Equal(0, await expiry.SweepAsync(CancellationToken.None));

        _time.Now = Now + TimeSpan.FromMinutes(91);
        Assert.Equal(1, await expiry.SweepAsync(CancellationToken.None));
    }

    [Fact]
    public void SweepInterval_ATenthOfTheTtlWithinASecondAndAMinute()
    {
        Assert.Equal(TimeSpan.FromMinutes(1), new EventExpiry(Store, _cache, TimeSpan.FromHours(1), _time, NullLogger.Instance).SweepInterval);
        Assert.Equal(TimeSpan.FromSeconds(3), new EventExpiry(Store, _cache, TimeSpan.FromSeconds(30), _time, NullLogger.Instance).SweepInterval);
        Assert.Equal(TimeSpan.FromSeconds(1), new EventExpiry(Store, _cache, TimeSpan.FromSeconds(2), _time, NullLogger.Instance).SweepInterval);
    }

    private async Task PutAsync(string key, string json) =>
        Assert.True((await Store.CreateAsync(key, Encoding.UTF8.GetBytes(json))).Succeeded);

    private static string Event(string name, DateTimeOffset first, DateTimeOffset? last = null) =>
        $$"""{"apiVersion":"v1","kind":"Event","metadata":{"name":"{{name}}","namespace":"default","creationTimestamp":"{{first:yyyy-MM-ddTHH:mm:ssZ}}"},"firstTimestamp":"{{first:yyyy-MM-ddTHH:mm:ssZ}}","lastTimestamp":"{{(last ?? first):yyyy-MM-ddTHH:mm:ssZ}}","count":{{(last is null ? 1 : 2)}},"reason":"Scheduled"}""";

    private sealed class ManualTime(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
