using Capstan.Storage.Sqlite;
using Xunit.Abstractions;

namespace Capstan.Storage.Tests.Sqlite;

/// <summary>What SqliteStore does beyond the shared contract: file space, persistence of compaction, watch buffers, the background compactor.</summary>
public sealed class SqliteStoreTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan s_safety = TimeSpan.FromSeconds(30);
    private readonly TempDirectory _directory = new();

    private string DatabasePath => _directory.File("store.db");

    public void Dispose() => _directory.Dispose();

    private Task<SqliteStore> OpenAsync(SqliteStoreOptions? options = null) =>
        SqliteStore.OpenAsync(DatabasePath, options ?? new SqliteStoreOptions { CompactInterval = TimeSpan.Zero });

    private long FileBytes() => new[] { DatabasePath, DatabasePath + "-wal" }.Where(File.Exists).Sum(f => new FileInfo(f).Length);

    [Fact]
    public async Task CompactAsync_AfterManyUpdates_ShrinksFile()
    {
        await using var store = await OpenAsync();
        var value = new byte[4096];
        for (var round = 0; round < 250; round++)
        {
            // Concurrent updates so batches are large and the test stays quick.
            await Task.WhenAll(Enumerable.Range(0, 20).Select(k => round == 0
                ? store.CreateAsync($"/big/{k}", value)
                : store.UpdateAsync($"/big/{k}", value, 0)));
        }
        var before = FileBytes();

        await store.CompactAsync(store.CurrentRevision);

        var after = FileBytes();
        output.WriteLine($"{store.CurrentRevision} revisions: {before / 1024} KiB before compaction, {after / 1024} KiB after");
        Assert.True(after < before / 4, $"file went from {before} to {after} bytes");
        var range = await store.RangeAsync("/big/");
        Assert.Equal(20, range.Items.Count);
        Assert.All(range.Items, item => Assert.Equal(4096, item.Value.Length));
    }

    [Fact]
    public async Task OpenAsync_AfterCompaction_KeepsCompactedRevisionAndState()
    {
        long compacted;
        long first;
        await using (var store = await OpenAsync())
        {
            first = (await store.CreateAsync("/k/a", new byte[] { 1 })).Revision;
            await store.CreateAsync("/k/b", new byte[] { 1 });
            await store.UpdateAsync("/k/a", new byte[] { 2 }, 0);
            await store.DeleteAsync("/k/b");
            compacted = store.CurrentRevision;
            await store.CompactAsync(compacted);
        }

        await using var reopened = await OpenAsync();

        Assert.Equal(compacted, reopened.CompactedRevision);
        Assert.Equal(compacted, reopened.CurrentRevision);
        await Assert.ThrowsAsync<CompactedException>(() => reopened.RangeAsync("/k/", first));
        var a = await reopened.GetAsync("/k/a");
        Assert.Equal([(byte)2], a!.Value.ToArray());
        Assert.Null(await reopened.GetAsync("/k/b"));
        // The deleted key's tombstone is gone; creating it again starts a fresh history.
        var again = await reopened.CreateAsync("/k/b", new byte[] { 3 });
        Assert.True(again.Succeeded);
        Assert.Equal(compacted + 1, again.Revision);
        Assert.Equal(2, (await reopened.RangeAsync("/k/")).Count);
    }

    [Fact]
    public async Task CompactAsync_SpanningSeveralChunks_KeepsLatestOfEveryKey()
    {
        await using var store = await OpenAsync();
        for (var i = 0; i < 50; i++)
        {
            await store.CreateAsync($"/k/{i:D2}", new byte[] { 0 });
        }
        for (var round = 1; round <= 120; round++)
        {
            await Task.WhenAll(Enumerable.Range(0, 50).Select(i => i % 10 == 0 && round == 120
                ? store.DeleteAsync($"/k/{i:D2}")
                : store.UpdateAsync($"/k/{i:D2}", new byte[] { (byte)round }, 0)));
        }
        var revision = store.CurrentRevision;

        await store.CompactAsync(revision);

        var range = await store.RangeAsync("/k/", revision);
        Assert.Equal(45, range.Count);
        Assert.All(range.Items, item => Assert.Equal(120, item.Value.Span[0]));
    }

    [Fact]
    public async Task OpenAsync_AlreadyOpen_ThrowsIOException()
    {
        await using var store = await OpenAsync();

        await Assert.ThrowsAsync<IOException>(() => OpenAsync());
    }

    [Fact]
    public async Task RangeAsync_FutureRevision_Throws()
    {
        await using var store = await OpenAsync();
        await store.CreateAsync("/k", new byte[] { 1 });

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.RangeAsync("/", store.CurrentRevision + 1));
    }

    [Fact]
    public async Task CreateAsync_BatchFailsToCommit_FailsThatWriteAndRecovers()
    {
        await using var store = await OpenAsync();
        await store.CreateAsync("/a", new byte[] { 1 });
        // Someone else takes the next revision behind the store's back, so the store's insert collides and its batch rolls back.
        using (var foreign = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={DatabasePath};Pooling=false"))
        {
            foreign.Open();
            using var insert = foreign.CreateCommand();
            insert.CommandText = "INSERT INTO kv (id, name, created, deleted, create_revision, prev_revision, value) VALUES (2, '/foreign', 1, 0, 2, 0, x'00')";
            insert.ExecuteNonQuery();
        }

        await Assert.ThrowsAsync<Microsoft.Data.Sqlite.SqliteException>(() => store.CreateAsync("/b", new byte[] { 1 }));
        var retry = await store.CreateAsync("/b", new byte[] { 1 });

        Assert.True(retry.Succeeded);
        Assert.Equal(3, retry.Revision);
        Assert.NotNull(await store.GetAsync("/a"));
        Assert.NotNull(await store.GetAsync("/b"));
    }

    [Fact]
    public async Task CompactAsync_FutureRevision_Throws()
    {
        await using var store = await OpenAsync();
        await store.CreateAsync("/k", new byte[] { 1 });

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.CompactAsync(store.CurrentRevision + 1));
    }

    [Fact]
    public async Task WatchAsync_ConsumerFallsBehind_EndsWithWatchOverflow()
    {
        await using var store = await OpenAsync(new SqliteStoreOptions { CompactInterval = TimeSpan.Zero, WatchBufferSize = 10 });
        using var cts = new CancellationTokenSource(s_safety);
        await using var watch = store.WatchAsync("/w/", 0, cts.Token).GetAsyncEnumerator(cts.Token);
        var first = watch.MoveNextAsync();
        await store.CreateAsync("/w/first", new byte[] { 1 });
        Assert.True(await first);

        // The watcher does not read; the writer must not wait for it.
        for (var i = 0; i < 50; i++)
        {
            Assert.True((await store.CreateAsync($"/w/{i}", new byte[] { 1 })).Succeeded);
        }

        var received = 0;
        await Assert.ThrowsAsync<WatchOverflowException>(async () =>
        {
            while (await watch.MoveNextAsync())
            {
                received++;
            }
        });
        Assert.Equal(10, received);
    }

    [Fact]
    public async Task DisposeAsync_OpenWatch_EndsWatch()
    {
        var store = await OpenAsync();
        using var cts = new CancellationTokenSource(s_safety);
        await using var watch = store.WatchAsync("/", 0, cts.Token).GetAsyncEnumerator(cts.Token);
        var next = watch.MoveNextAsync();

        await store.DisposeAsync();

        Assert.False(await next);
    }

    [Fact]
    public async Task CreateAsync_AfterDispose_ThrowsObjectDisposed()
    {
        var store = await OpenAsync();
        await store.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.CreateAsync("/k", new byte[] { 1 }));
    }

    [Fact]
    public async Task BackgroundCompactor_OnTick_KeepsRetainedRevisions()
    {
        var clock = new ManualTimeProvider();
        await using var store = await OpenAsync(new SqliteStoreOptions { CompactInterval = TimeSpan.FromMinutes(5), RetainRevisions = 5, TimeProvider = clock });
        await store.CreateAsync("/k", new byte[] { 1 });
        for (var i = 0; i < 20; i++)
        {
            await store.UpdateAsync("/k", new byte[] { 1 }, 0);
            await store.CreateAsync($"/k/{i}", new byte[] { 1 });
        }
        var expected = store.CurrentRevision - 5;
        using var cts = new CancellationTokenSource(s_safety);
        while (clock.TimerCount == 0)
        {
            await Task.Delay(10, cts.Token);
        }

        clock.Fire();

        while (store.CompactedRevision != expected)
        {
            await Task.Delay(10, cts.Token);
        }
        await Assert.ThrowsAsync<CompactedException>(() => store.RangeAsync("/", expected - 1));
        Assert.Equal(20, (await store.RangeAsync("/k/")).Count);
        Assert.Single((await store.RangeAsync("/k", expected)).Items, item => item.Key == "/k");
    }
}
