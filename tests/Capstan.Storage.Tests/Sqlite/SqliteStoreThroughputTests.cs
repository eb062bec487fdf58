using System.Diagnostics;
using Capstan.Storage.Sqlite;
using Xunit.Abstractions;

namespace Capstan.Storage.Tests.Sqlite;

/// <summary>Prints write throughput and latency; asserts only correctness, never time.</summary>
[Trait("Category", "Slow")]
public sealed class SqliteStoreThroughputTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(true, 16, 2000, false)]
    [InlineData(true, 16, 2000, true)]
    [InlineData(false, 16, 2000, false)]
    [InlineData(true, 1, 2000, false)]
    public async Task CreateAsync_ConcurrentCallers_PrintsThroughputAndLatency(bool durable, int callers, int perCaller, bool watched)
    {
        // The test host starts with a cold thread pool (as many threads as cores) and blocks some of them itself, which
        // stalls the first test for ~1 s while the pool grows; a server process does not look like that, so start warm.
        ThreadPool.GetMinThreads(out var minWorkers, out var minIo);
        ThreadPool.SetMinThreads(Math.Max(minWorkers, callers + 4), minIo);
        using var directory = new TempDirectory();
        await using var store = await SqliteStore.OpenAsync(directory.File("bench.db"), new SqliteStoreOptions { Durable = durable, CompactInterval = TimeSpan.Zero });
        var value = new byte[1024];
        Random.Shared.NextBytes(value);
        // Warm up the JIT and the file.
        for (var i = 0; i < 200; i++)
        {
            await store.CreateAsync($"/warmup/{i}", value);
        }

        // Optionally a watcher consuming every event, as the API server's watch cache would.
        using var stopWatching = new CancellationTokenSource();
        var watchedEvents = 0;
        var watcher = watched
            ? Task.Run(async () =>
            {
                try
                {
                    await foreach (var unused in store.WatchAsync("/registry/", 0, stopWatching.Token))
                    {
                        watchedEvents++;
                    }
                }
                catch (OperationCanceledException)
                {
                }
            })
            : Task.CompletedTask;

        var latencies = new double[callers * perCaller];
        var total = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, callers).Select(c => Task.Run(async () =>
        {
            for (var i = 0; i < perCaller; i++)
            {
                var started = Stopwatch.GetTimestamp();
                var result = await store.CreateAsync($"/registry/pods/ns{c:D2}/pod-{i:D6}", value);
                latencies[(c * perCaller) + i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                Assert.True(result.Succeeded);
            }
        })));
        total.Stop();
        await stopWatching.CancelAsync();
        await watcher;

        Array.Sort(latencies);
        var count = latencies.Length;
        output.WriteLine(
            $"durable={durable} callers={callers} watched={watched} ({watchedEvents} events) creates={count} value=1KiB: {count / total.Elapsed.TotalSeconds:F0} writes/s, " +
            $"p50 {latencies[count / 2]:F2} ms, p99 {latencies[(int)(count * 0.99)]:F2} ms, max {latencies[^1]:F2} ms");
        Assert.Equal(count + 200, (await store.RangeAsync("")).Count);
    }
}
