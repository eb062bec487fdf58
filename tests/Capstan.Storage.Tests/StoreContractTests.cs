using System.Text;

namespace Capstan.Storage.Tests;

/// <summary>
/// The behaviour every <see cref="IStore"/> must have (etcd's contract). Each backend subclasses this once.
/// Each test gets a fresh, empty store.
/// </summary>
public abstract class StoreContractTests : IAsyncLifetime
{
    private static readonly TimeSpan s_watchSafety = TimeSpan.FromSeconds(30);

    private IStore? _store;

    protected IStore Store => _store ?? throw new InvalidOperationException("store not created");

    /// <summary>Creates a new, empty store.</summary>
    protected abstract Task<IStore> CreateStoreAsync();

    /// <summary>Opens the store created by <see cref="CreateStoreAsync"/> again, after it was disposed.</summary>
    protected abstract Task<IStore> ReopenStoreAsync();

    public async Task InitializeAsync() => _store = await CreateStoreAsync();

    public virtual async Task DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }
    }

    protected static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    protected static string Text(ReadOnlyMemory<byte> value) => Encoding.UTF8.GetString(value.Span);

    [Fact]
    public async Task CreateAsync_AbsentKey_SucceedsWithNewRevision()
    {
        var result = await Store.CreateAsync("/registry/pods/default/a", Bytes("one"));

        Assert.True(result.Succeeded);
        Assert.True(result.Revision > 0);
        Assert.Equal(result.Revision, Store.CurrentRevision);
        Assert.NotNull(result.Current);
        Assert.Equal("one", Text(result.Current.Value));
        Assert.Equal(result.Revision, result.Current.CreateRevision);
        Assert.Equal(result.Revision, result.Current.ModRevision);
        Assert.Null(result.Previous);
    }

    [Fact]
    public async Task CreateAsync_ExistingKey_FailsAndReturnsCurrent()
    {
        var first = await Store.CreateAsync("/registry/pods/default/a", Bytes("one"));

        var second = await Store.CreateAsync("/registry/pods/default/a", Bytes("two"));

        Assert.False(second.Succeeded);
        Assert.Equal(first.Revision, second.Revision);
        Assert.NotNull(second.Current);
        Assert.Equal("one", Text(second.Current.Value));
        Assert.Equal(first.Revision, second.Current.ModRevision);
        Assert.Equal("one", Text((await Store.GetAsync("/registry/pods/default/a"))!.Value));
    }

    [Fact]
    public async Task CreateAsync_AfterDelete_SucceedsWithNewCreateRevision()
    {
        await Store.CreateAsync("/k", Bytes("one"));
        await Store.DeleteAsync("/k");

        var again = await Store.CreateAsync("/k", Bytes("two"));

        Assert.True(again.Succeeded);
        Assert.Equal(again.Revision, again.Current!.CreateRevision);
        Assert.Equal("two", Text((await Store.GetAsync("/k"))!.Value));
    }

    [Fact]
    public async Task UpdateAsync_MatchingRevision_Succeeds()
    {
        var created = await Store.CreateAsync("/k", Bytes("one"));

        var updated = await Store.UpdateAsync("/k", Bytes("two"), created.Revision);

        Assert.True(updated.Succeeded);
        Assert.True(updated.Revision > created.Revision);
        Assert.Equal("two", Text(updated.Current!.Value));
        Assert.Equal(created.Revision, updated.Current.CreateRevision);
        Assert.Equal(updated.Revision, updated.Current.ModRevision);
        Assert.NotNull(updated.Previous);
        Assert.Equal("one", Text(updated.Previous.Value));
        Assert.Equal(created.Revision, updated.Previous.ModRevision);
    }

    [Fact]
    public async Task UpdateAsync_StaleRevision_FailsAndReturnsCurrent()
    {
        var created = await Store.CreateAsync("/k", Bytes("one"));
        var updated = await Store.UpdateAsync("/k", Bytes("two"), created.Revision);

        var stale = await Store.UpdateAsync("/k", Bytes("three"), created.Revision);

        Assert.False(stale.Succeeded);
        Assert.Equal(updated.Revision, stale.Revision);
        Assert.Equal("two", Text(stale.Current!.Value));
        Assert.Equal(updated.Revision, stale.Current.ModRevision);
    }

    [Fact]
    public async Task UpdateAsync_ZeroExpectedRevision_ReplacesAnyValue()
    {
        await Store.CreateAsync("/k", Bytes("one"));
        await Store.UpdateAsync("/k", Bytes("two"), 0);

        var result = await Store.UpdateAsync("/k", Bytes("three"), 0);

        Assert.True(result.Succeeded);
        Assert.Equal("three", Text((await Store.GetAsync("/k"))!.Value));
        Assert.Equal("two", Text(result.Previous!.Value));
    }

    [Fact]
    public async Task UpdateAsync_AbsentKey_FailsWithNullCurrent()
    {
        await Store.CreateAsync("/other", Bytes("x"));

        var result = await Store.UpdateAsync("/k", Bytes("one"), 0);

        Assert.False(result.Succeeded);
        Assert.Null(result.Current);
        Assert.Equal(Store.CurrentRevision, result.Revision);
        Assert.Null(await Store.GetAsync("/k"));
    }

    [Fact]
    public async Task UpdateAsync_DeletedKey_Fails()
    {
        await Store.CreateAsync("/k", Bytes("one"));
        await Store.DeleteAsync("/k");

        var result = await Store.UpdateAsync("/k", Bytes("two"), 0);

        Assert.False(result.Succeeded);
        Assert.Null(result.Current);
    }

    [Fact]
    public async Task DeleteAsync_MatchingRevision_RemovesKeyAndReturnsPrevious()
    {
        var created = await Store.CreateAsync("/k", Bytes("one"));

        var deleted = await Store.DeleteAsync("/k", created.Revision);

        Assert.True(deleted.Succeeded);
        Assert.True(deleted.Revision > created.Revision);
        Assert.Null(deleted.Current);
        Assert.Equal("one", Text(deleted.Previous!.Value));
        Assert.Null(await Store.GetAsync("/k"));
        Assert.Equal(deleted.Revision, Store.CurrentRevision);
    }

    [Fact]
    public async Task DeleteAsync_StaleRevision_FailsAndKeepsKey()
    {
        var created = await Store.CreateAsync("/k", Bytes("one"));
        var updated = await Store.UpdateAsync("/k", Bytes("two"), 0);

        var result = await Store.DeleteAsync("/k", created.Revision);

        Assert.False(result.Succeeded);
        Assert.Equal(updated.Revision, result.Current!.ModRevision);
        Assert.NotNull(await Store.GetAsync("/k"));
    }

    [Fact]
    public async Task DeleteAsync_AbsentKey_Fails()
    {
        var result = await Store.DeleteAsync("/k");

        Assert.False(result.Succeeded);
        Assert.Null(result.Current);
    }

    [Fact]
    public async Task Writes_Sequence_RevisionsStrictlyIncreaseAcrossKeys()
    {
        var revisions = new List<long>
        {
            (await Store.CreateAsync("/a", Bytes("1"))).Revision,
            (await Store.CreateAsync("/b", Bytes("1"))).Revision,
            (await Store.UpdateAsync("/a", Bytes("2"), 0)).Revision,
            (await Store.DeleteAsync("/b")).Revision,
            (await Store.CreateAsync("/c", Bytes("1"))).Revision,
        };

        for (var i = 1; i < revisions.Count; i++)
        {
            Assert.True(revisions[i] > revisions[i - 1], $"revision {revisions[i]} after {revisions[i - 1]}");
        }
        Assert.Equal(revisions[^1], Store.CurrentRevision);
    }

    [Fact]
    public async Task GetAsync_ExistingKey_ReturnsValueAndRevisions()
    {
        var created = await Store.CreateAsync("/k", Bytes("one"));
        var updated = await Store.UpdateAsync("/k", Bytes("two"), 0);

        var value = await Store.GetAsync("/k");

        Assert.NotNull(value);
        Assert.Equal("/k", value.Key);
        Assert.Equal("two", Text(value.Value));
        Assert.Equal(created.Revision, value.CreateRevision);
        Assert.Equal(updated.Revision, value.ModRevision);
    }

    [Fact]
    public async Task GetAsync_AbsentKey_ReturnsNull()
    {
        Assert.Null(await Store.GetAsync("/missing"));
    }

    [Fact]
    public async Task CreateAsync_EmptyValue_RoundTrips()
    {
        await Store.CreateAsync("/k", ReadOnlyMemory<byte>.Empty);

        var value = await Store.GetAsync("/k");

        Assert.NotNull(value);
        Assert.Equal(0, value.Value.Length);
    }

    [Fact]
    public async Task RangeAsync_Prefix_ReturnsOnlyMatchingKeysInKeyOrder()
    {
        foreach (var key in new[] { "/registry/pods/ns/c", "/registry/pods/ns/a", "/registry/pods/nt/b", "/registry/pods/ns/b", "/registry/podsx/ns/a", "/registry/services/ns/a" })
        {
            await Store.CreateAsync(key, Bytes(key));
        }

        var result = await Store.RangeAsync("/registry/pods/ns/");

        Assert.Equal(["/registry/pods/ns/a", "/registry/pods/ns/b", "/registry/pods/ns/c"], result.Items.Select(i => i.Key));
        Assert.Equal("/registry/pods/ns/a", Text(result.Items[0].Value));
        Assert.False(result.More);
        Assert.Equal(3, result.Count);
        Assert.Equal(Store.CurrentRevision, result.Revision);

        var all = await Store.RangeAsync("/registry/pods/");
        Assert.Equal(4, all.Items.Count);

        var everything = await Store.RangeAsync("");
        Assert.Equal(6, everything.Items.Count);
    }

    [Fact]
    public async Task RangeAsync_ExcludesDeletedKeys()
    {
        await Store.CreateAsync("/p/a", Bytes("a"));
        await Store.CreateAsync("/p/b", Bytes("b"));
        await Store.DeleteAsync("/p/a");

        var result = await Store.RangeAsync("/p/");

        Assert.Equal(["/p/b"], result.Items.Select(i => i.Key));
        Assert.Equal(1, result.Count);
    }

    [Fact]
    public async Task RangeAsync_PastRevision_ReturnsStateAtThatRevision()
    {
        await Store.CreateAsync("/p/a", Bytes("a1"));
        var b = await Store.CreateAsync("/p/b", Bytes("b1"));
        var snapshot = Store.CurrentRevision;
        await Store.UpdateAsync("/p/a", Bytes("a2"), 0);
        await Store.DeleteAsync("/p/b");
        await Store.CreateAsync("/p/c", Bytes("c1"));

        var past = await Store.RangeAsync("/p/", snapshot);

        Assert.Equal(snapshot, past.Revision);
        Assert.Equal(["/p/a", "/p/b"], past.Items.Select(i => i.Key));
        Assert.Equal("a1", Text(past.Items[0].Value));
        Assert.Equal(b.Revision, past.Items[1].ModRevision);
        Assert.Equal(2, past.Count);

        var now = await Store.RangeAsync("/p/");
        Assert.Equal(["/p/a", "/p/c"], now.Items.Select(i => i.Key));
        Assert.Equal("a2", Text(now.Items[0].Value));
    }

    [Fact]
    public async Task RangeAsync_LimitAndStartAfterKey_PagesThroughAllKeys()
    {
        for (var i = 0; i < 7; i++)
        {
            await Store.CreateAsync($"/p/{i:D2}", Bytes(i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
        await Store.CreateAsync("/q/00", Bytes("other"));

        var first = await Store.RangeAsync("/p/", limit: 3);
        Assert.Equal(["/p/00", "/p/01", "/p/02"], first.Items.Select(i => i.Key));
        Assert.True(first.More);
        Assert.Equal(7, first.Count);

        var second = await Store.RangeAsync("/p/", first.Revision, startAfterKey: first.Items[^1].Key, limit: 3);
        Assert.Equal(["/p/03", "/p/04", "/p/05"], second.Items.Select(i => i.Key));
        Assert.True(second.More);
        Assert.Equal(7, second.Count);

        var third = await Store.RangeAsync("/p/", first.Revision, startAfterKey: second.Items[^1].Key, limit: 3);
        Assert.Equal(["/p/06"], third.Items.Select(i => i.Key));
        Assert.False(third.More);
        Assert.Equal(7, third.Count);

        var exact = await Store.RangeAsync("/p/", limit: 7);
        Assert.False(exact.More);
    }

    [Fact]
    public async Task RangeAsync_PagingAtPastRevision_IgnoresLaterWrites()
    {
        for (var i = 0; i < 4; i++)
        {
            await Store.CreateAsync($"/p/{i}", Bytes("v"));
        }
        var first = await Store.RangeAsync("/p/", limit: 2);
        await Store.DeleteAsync("/p/3");
        await Store.CreateAsync("/p/4", Bytes("v"));

        var second = await Store.RangeAsync("/p/", first.Revision, startAfterKey: first.Items[^1].Key, limit: 2);

        Assert.Equal(["/p/2", "/p/3"], second.Items.Select(i => i.Key));
        Assert.False(second.More);
        Assert.Equal(4, second.Count);
        Assert.Equal(first.Revision, second.Revision);
    }

    [Fact]
    public async Task WatchAsync_FromRevision_ReplaysHistoryThenGoesLive()
    {
        var created = await Store.CreateAsync("/w/a", Bytes("1"));
        var updated = await Store.UpdateAsync("/w/a", Bytes("2"), 0);
        var other = await Store.CreateAsync("/w/b", Bytes("1"));
        using var cts = new CancellationTokenSource(s_watchSafety);

        var events = new List<WatchEvent>();
        await using var watch = Store.WatchAsync("/w/", created.Revision, cts.Token).GetAsyncEnumerator(cts.Token);
        Assert.True(await watch.MoveNextAsync());
        events.Add(watch.Current);
        Assert.True(await watch.MoveNextAsync());
        events.Add(watch.Current);

        var live = await Store.DeleteAsync("/w/a");
        Assert.True(await watch.MoveNextAsync());
        events.Add(watch.Current);

        Assert.Equal([updated.Revision, other.Revision, live.Revision], events.Select(e => e.Revision));
        Assert.Equal(WatchEventType.Put, events[0].Type);
        Assert.False(events[0].IsCreate);
        Assert.Equal("2", Text(events[0].Current.Value));
        Assert.Equal("1", Text(events[0].Previous!.Value));
        Assert.True(events[1].IsCreate);
        Assert.Equal(WatchEventType.Delete, events[2].Type);
    }

    [Fact]
    public async Task WatchAsync_ZeroRevision_SeesOnlyNewEvents()
    {
        await Store.CreateAsync("/w/old", Bytes("1"));
        using var cts = new CancellationTokenSource(s_watchSafety);
        await using var watch = Store.WatchAsync("/w/", 0, cts.Token).GetAsyncEnumerator(cts.Token);
        var next = watch.MoveNextAsync();

        var created = await Store.CreateAsync("/w/new", Bytes("1"));

        Assert.True(await next);
        Assert.Equal(created.Revision, watch.Current.Revision);
        Assert.Equal("/w/new", watch.Current.Current.Key);
        Assert.True(watch.Current.IsCreate);
    }

    [Fact]
    public async Task WatchAsync_FutureRevision_StartsAfterIt()
    {
        var start = (await Store.CreateAsync("/w/0", Bytes("x"))).Revision;
        using var cts = new CancellationTokenSource(s_watchSafety);
        await using var watch = Store.WatchAsync("/w/", start + 2, cts.Token).GetAsyncEnumerator(cts.Token);
        var next = watch.MoveNextAsync();

        await Store.CreateAsync("/w/1", Bytes("x"));
        await Store.CreateAsync("/w/2", Bytes("x"));
        var third = await Store.CreateAsync("/w/3", Bytes("x"));

        Assert.True(await next);
        Assert.Equal(third.Revision, watch.Current.Revision);
    }

    [Fact]
    public async Task WatchAsync_Cancelled_EndsEnumeration()
    {
        var start = (await Store.CreateAsync("/w/0", Bytes("x"))).Revision;
        using var cts = new CancellationTokenSource();
        await using var watch = Store.WatchAsync("/w/", start, cts.Token).GetAsyncEnumerator(cts.Token);
        var next = watch.MoveNextAsync();

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await next);
    }

    [Fact]
    public async Task WatchAsync_Prefix_SeesOnlyThatPrefix()
    {
        using var cts = new CancellationTokenSource(s_watchSafety);
        // A non-zero start revision: 0 would mean "from now".
        var start = (await Store.CreateAsync("/z", Bytes("x"))).Revision;
        await Store.CreateAsync("/a/1", Bytes("x"));
        await Store.CreateAsync("/b/1", Bytes("x"));
        await Store.CreateAsync("/ab/1", Bytes("x"));
        await using var watch = Store.WatchAsync("/a/", start, cts.Token).GetAsyncEnumerator(cts.Token);
        await Store.CreateAsync("/b/2", Bytes("x"));
        await Store.CreateAsync("/a/2", Bytes("x"));

        Assert.True(await watch.MoveNextAsync());
        Assert.Equal("/a/1", watch.Current.Current.Key);
        Assert.True(await watch.MoveNextAsync());
        Assert.Equal("/a/2", watch.Current.Current.Key);
    }

    [Fact]
    public async Task WatchAsync_Delete_CarriesPreviousAndTombstone()
    {
        var created = await Store.CreateAsync("/w/a", Bytes("gone"));
        using var cts = new CancellationTokenSource(s_watchSafety);
        await using var watch = Store.WatchAsync("/w/", created.Revision, cts.Token).GetAsyncEnumerator(cts.Token);
        var next = watch.MoveNextAsync();

        var deleted = await Store.DeleteAsync("/w/a");

        Assert.True(await next);
        var e = watch.Current;
        Assert.Equal(WatchEventType.Delete, e.Type);
        Assert.Equal(deleted.Revision, e.Revision);
        Assert.Equal("/w/a", e.Current.Key);
        Assert.Equal(deleted.Revision, e.Current.ModRevision);
        Assert.Equal(0, e.Current.Value.Length);
        Assert.NotNull(e.Previous);
        Assert.Equal("gone", Text(e.Previous.Value));
        Assert.Equal(created.Revision, e.Previous.ModRevision);
    }

    [Fact]
    public async Task WatchAsync_ReplayedDelete_CarriesPrevious()
    {
        var created = await Store.CreateAsync("/w/a", Bytes("gone"));
        await Store.DeleteAsync("/w/a");
        using var cts = new CancellationTokenSource(s_watchSafety);

        await using var watch = Store.WatchAsync("/w/", created.Revision, cts.Token).GetAsyncEnumerator(cts.Token);

        Assert.True(await watch.MoveNextAsync());
        Assert.Equal(WatchEventType.Delete, watch.Current.Type);
        Assert.Equal("gone", Text(watch.Current.Previous!.Value));
    }

    [Fact]
    public async Task WatchAsync_WritesDuringReplay_NoGapsNoDuplicates()
    {
        var start = Store.CurrentRevision;
        // More history than one replay page.
        for (var i = 0; i < 700; i++)
        {
            await Store.CreateAsync($"/w/{i:D4}", Bytes("x"));
        }
        using var cts = new CancellationTokenSource(s_watchSafety);
        var writer = Task.Run(async () =>
        {
            for (var i = 700; i < 1000; i++)
            {
                await Store.CreateAsync($"/w/{i:D4}", Bytes("x"));
            }
        });

        var seen = new List<long>();
        await foreach (var e in Store.WatchAsync("/w/", start + 1, cts.Token))
        {
            seen.Add(e.Revision);
            if (seen.Count == 999)
            {
                break;
            }
        }
        await writer;

        Assert.Equal(Enumerable.Range(2, 999).Select(i => start + i), seen);
    }

    [Fact]
    public async Task RangeAsync_BelowCompactedRevision_ThrowsCompacted()
    {
        var first = await Store.CreateAsync("/k", Bytes("1"));
        await Store.UpdateAsync("/k", Bytes("2"), 0);
        var last = await Store.UpdateAsync("/k", Bytes("3"), 0);

        await Store.CompactAsync(last.Revision);

        Assert.Equal(last.Revision, Store.CompactedRevision);
        var error = await Assert.ThrowsAsync<CompactedException>(() => Store.RangeAsync("/", first.Revision));
        Assert.Equal(first.Revision, error.RequestedRevision);
        Assert.Equal(last.Revision, error.CompactedRevision);
        Assert.Equal("3", Text((await Store.RangeAsync("/", last.Revision)).Items.Single().Value));
        Assert.Equal("3", Text((await Store.GetAsync("/k"))!.Value));
    }

    [Fact]
    public async Task WatchAsync_BelowCompactedRevision_ThrowsCompacted()
    {
        var first = await Store.CreateAsync("/k", Bytes("1"));
        var last = await Store.UpdateAsync("/k", Bytes("2"), 0);
        await Store.CompactAsync(last.Revision);

        await Assert.ThrowsAsync<CompactedException>(async () =>
        {
            await foreach (var unused in Store.WatchAsync("/", first.Revision))
            {
            }
        });
    }

    [Fact]
    public async Task CompactAsync_KeepsLatestValuesAndLaterHistory()
    {
        await Store.CreateAsync("/k/a", Bytes("a1"));
        await Store.CreateAsync("/k/b", Bytes("b1"));
        await Store.UpdateAsync("/k/a", Bytes("a2"), 0);
        var deleted = await Store.DeleteAsync("/k/b");
        var compactAt = Store.CurrentRevision;
        var update = await Store.UpdateAsync("/k/a", Bytes("a3"), 0);
        var recreate = await Store.CreateAsync("/k/b", Bytes("b2"));

        await Store.CompactAsync(compactAt);

        var atCompacted = await Store.RangeAsync("/k/", compactAt);
        Assert.Equal(["/k/a"], atCompacted.Items.Select(i => i.Key));
        Assert.Equal("a2", Text(atCompacted.Items[0].Value));
        using var cts = new CancellationTokenSource(s_watchSafety);
        var events = new List<WatchEvent>();
        await foreach (var e in Store.WatchAsync("/k/", compactAt, cts.Token))
        {
            events.Add(e);
            if (events.Count == 2)
            {
                break;
            }
        }
        Assert.Equal([update.Revision, recreate.Revision], events.Select(e => e.Revision));
        Assert.Equal("a2", Text(events[0].Previous!.Value));
        Assert.True(events[1].IsCreate);
        Assert.True(deleted.Revision <= compactAt);
    }

    [Fact]
    public async Task CreateAsync_ConcurrentWriters_AllSucceedWithDistinctRevisions()
    {
        const int writers = 16;
        const int perWriter = 200;
        var tasks = Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            var revisions = new List<long>();
            for (var i = 0; i < perWriter; i++)
            {
                var result = await Store.CreateAsync($"/c/{w:D2}/{i:D4}", Bytes("v"));
                Assert.True(result.Succeeded);
                revisions.Add(result.Revision);
            }
            return revisions;
        }));

        var all = (await Task.WhenAll(tasks)).SelectMany(r => r).ToList();

        Assert.Equal(writers * perWriter, all.Distinct().Count());
        Assert.Equal(all.Max(), Store.CurrentRevision);
        Assert.Equal(writers * perWriter, (await Store.RangeAsync("/c/")).Count);
    }

    [Fact]
    public async Task UpdateAsync_RacingOnSameRevision_ExactlyOneWins()
    {
        var created = await Store.CreateAsync("/race", Bytes("0"));
        using var start = new ManualResetEventSlim();
        var tasks = Enumerable.Range(0, 16).Select(i => Task.Run(() =>
        {
            start.Wait();
            return Store.UpdateAsync("/race", Bytes(i.ToString(System.Globalization.CultureInfo.InvariantCulture)), created.Revision);
        })).ToList();

        start.Set();
        var results = await Task.WhenAll(tasks);

        var winner = Assert.Single(results, r => r.Succeeded);
        Assert.All(results.Where(r => !r.Succeeded), r => Assert.Equal(winner.Revision, r.Current!.ModRevision));
        Assert.Equal(winner.Revision, (await Store.GetAsync("/race"))!.ModRevision);
    }

    [Fact]
    public async Task ReopenStoreAsync_AfterDispose_KeepsDataAndRevision()
    {
        await Store.CreateAsync("/k/a", Bytes("a"));
        await Store.CreateAsync("/k/b", Bytes("b"));
        await Store.DeleteAsync("/k/b");
        var revision = Store.CurrentRevision;
        await Store.DisposeAsync();

        _store = await ReopenStoreAsync();

        Assert.Equal(revision, Store.CurrentRevision);
        Assert.Equal("a", Text((await Store.GetAsync("/k/a"))!.Value));
        Assert.Null(await Store.GetAsync("/k/b"));
        var next = await Store.CreateAsync("/k/b", Bytes("b2"));
        Assert.True(next.Succeeded);
        Assert.Equal(revision + 1, next.Revision);
    }
    [Fact]
    public async Task RandomWrites_MatchModelAtEveryRevisionAndInWatchReplay()
    {
        var random = new Random(12345);
        var keys = Enumerable.Range(0, 12).Select(i => $"/m/{(char)('a' + i)}").ToArray();
        var model = new Dictionary<string, (string Value, long Create, long Mod)>();
        var snapshots = new List<(long Revision, Dictionary<string, (string Value, long Create, long Mod)> State)>();
        var expectedEvents = new List<(long Revision, string Key, WatchEventType Type, string? Previous)>();
        var start = (await Store.CreateAsync("/start", Bytes("x"))).Revision;

        for (var step = 0; step < 400; step++)
        {
            var key = keys[random.Next(keys.Length)];
            var value = $"v{step}";
            var exists = model.TryGetValue(key, out var current);
            // Sometimes the right revision, sometimes any, sometimes a stale one.
            var expected = random.Next(3) switch { 0 => 0L, 1 => exists ? current.Mod : 1L, _ => Math.Max(1, (exists ? current.Mod : start) - 1) };
            switch (random.Next(3))
            {
                case 0:
                {
                    var result = await Store.CreateAsync(key, Bytes(value));
                    Assert.Equal(!exists, result.Succeeded);
                    if (result.Succeeded)
                    {
                        model[key] = (value, result.Revision, result.Revision);
                        expectedEvents.Add((result.Revision, key, WatchEventType.Put, null));
                    }
                    break;
                }
                case 1:
                {
                    var result = await Store.UpdateAsync(key, Bytes(value), expected);
                    Assert.Equal(exists && (expected == 0 || expected == current.Mod), result.Succeeded);
                    if (result.Succeeded)
                    {
                        model[key] = (value, current.Create, result.Revision);
                        expectedEvents.Add((result.Revision, key, WatchEventType.Put, current.Value));
                    }
                    break;
                }
                default:
                {
                    var result = await Store.DeleteAsync(key, expected);
                    Assert.Equal(exists && (expected == 0 || expected == current.Mod), result.Succeeded);
                    if (result.Succeeded)
                    {
                        model.Remove(key);
                        expectedEvents.Add((result.Revision, key, WatchEventType.Delete, current.Value));
                    }
                    break;
                }
            }
            snapshots.Add((Store.CurrentRevision, new Dictionary<string, (string Value, long Create, long Mod)>(model)));
        }

        async Task CheckSnapshotsFromAsync(long oldest)
        {
            foreach (var (revision, state) in snapshots.Where(s => s.Revision >= oldest))
            {
                var range = await Store.RangeAsync("/m/", revision);
                Assert.Equal(state.Keys.Order(StringComparer.Ordinal), range.Items.Select(i => i.Key));
                Assert.All(range.Items, item =>
                {
                    Assert.Equal(state[item.Key].Value, Text(item.Value));
                    Assert.Equal(state[item.Key].Create, item.CreateRevision);
                    Assert.Equal(state[item.Key].Mod, item.ModRevision);
                });
                Assert.Equal(state.Count, range.Count);
            }
        }

        async Task CheckReplayFromAsync(long after)
        {
            var expected = expectedEvents.Where(e => e.Revision > after).ToList();
            var actual = new List<(long Revision, string Key, WatchEventType Type, string? Previous)>();
            using var cts = new CancellationTokenSource(s_watchSafety);
            if (expected.Count > 0)
            {
                await foreach (var e in Store.WatchAsync("/m/", after, cts.Token))
                {
                    actual.Add((e.Revision, e.Current.Key, e.Type, e.Previous is null ? null : Text(e.Previous.Value)));
                    if (actual.Count == expected.Count)
                    {
                        break;
                    }
                }
            }
            Assert.Equal(expected, actual);
        }

        await CheckSnapshotsFromAsync(0);
        await CheckReplayFromAsync(start);

        var middle = snapshots[snapshots.Count / 2].Revision;
        await Store.CompactAsync(middle);

        await CheckSnapshotsFromAsync(middle);
        await CheckReplayFromAsync(middle);
        await Assert.ThrowsAsync<CompactedException>(() => Store.RangeAsync("/m/", middle - 1));
    }
}
