using System.Text;
using Capstan.Agent.Env;
using Capstan.Agent.Volumes.Config;

namespace Capstan.Agent.Tests.Volumes.Config;

public sealed class WatchedConfigCacheTests
{
    private static readonly ConfigObjectRef RootCa = new("configmaps", "team", "kube-root-ca.crt");

    [Fact]
    public async Task BytesAsync_WatchedObject_ReadOnceForManyPods()
    {
        var source = new CountingSource("ca-1");
        var cache = new WatchedConfigCache(source);
        cache.Watching(RootCa);

        var reads = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => cache.BytesAsync("configmaps", "team", "kube-root-ca.crt", CancellationToken.None)));

        Assert.Equal(1, source.Reads);
        Assert.All(reads, r => Assert.Equal("ca-1", Encoding.UTF8.GetString(r!["ca.crt"])));
    }

    [Fact]
    public async Task BytesAsync_AfterChange_ServesTheNewContent()
    {
        var source = new CountingSource("ca-1");
        var cache = new WatchedConfigCache(source);
        cache.Watching(RootCa);
        await cache.BytesAsync("configmaps", "team", "kube-root-ca.crt", CancellationToken.None);

        source.Value = "ca-2";
        cache.Changed(RootCa);
        var after = await cache.BytesAsync("configmaps", "team", "kube-root-ca.crt", CancellationToken.None);
        await cache.BytesAsync("configmaps", "team", "kube-root-ca.crt", CancellationToken.None);

        Assert.Equal("ca-2", Encoding.UTF8.GetString(after!["ca.crt"]));
        Assert.Equal(2, source.Reads);
    }

    [Fact]
    public async Task BytesAsync_ChangeDuringRead_NextReadGoesToTheSource()
    {
        var source = new CountingSource("ca-1") { Gate = new TaskCompletionSource() };
        var cache = new WatchedConfigCache(source);
        cache.Watching(RootCa);
        var during = cache.BytesAsync("configmaps", "team", "kube-root-ca.crt", CancellationToken.None);

        // The object changes while the first read is under way: its (possibly old) answer must not be kept.
        cache.Changed(RootCa);
        source.Value = "ca-2";
        source.Gate.SetResult();
        await during;
        var after = await cache.BytesAsync("configmaps", "team", "kube-root-ca.crt", CancellationToken.None);

        Assert.Equal("ca-2", Encoding.UTF8.GetString(after!["ca.crt"]));
        Assert.Equal(2, source.Reads);
    }

    [Fact]
    public async Task BytesAsync_NotWatched_ReadsEveryTime()
    {
        var source = new CountingSource("ca-1");
        var cache = new WatchedConfigCache(source);
        cache.Watching(RootCa);
        cache.Unwatched(RootCa);

        await cache.BytesAsync("configmaps", "team", "kube-root-ca.crt", CancellationToken.None);
        await cache.BytesAsync("configmaps", "team", "kube-root-ca.crt", CancellationToken.None);
        await cache.BytesAsync("secrets", "team", "other", CancellationToken.None);

        Assert.Equal(3, source.Reads);
    }

    [Fact]
    public async Task BytesAsync_FailedRead_IsNotKept()
    {
        var source = new CountingSource("ca-1") { Fail = true };
        var cache = new WatchedConfigCache(source);
        cache.Watching(RootCa);
        await Assert.ThrowsAsync<HttpRequestException>(() => cache.BytesAsync("configmaps", "team", "kube-root-ca.crt", CancellationToken.None));

        source.Fail = false;
        var data = await cache.BytesAsync("configmaps", "team", "kube-root-ca.crt", CancellationToken.None);

        Assert.Equal("ca-1", Encoding.UTF8.GetString(data!["ca.crt"]));
    }

    private sealed class CountingSource(string value) : IConfigSource
    {
        private int _reads;

        public string Value { get; set; } = value;

        public bool Fail { get; set; }

        public TaskCompletionSource? Gate { get; init; }

        public int Reads => _reads;

        public Task<IReadOnlyDictionary<string, string>?> ConfigMapAsync(string ns, string name, CancellationToken ct) => throw new NotSupportedException();

        public Task<IReadOnlyDictionary<string, string>?> SecretAsync(string ns, string name, CancellationToken ct) => throw new NotSupportedException();

        public async Task<IReadOnlyDictionary<string, byte[]>?> BytesAsync(string resource, string ns, string name, CancellationToken ct)
        {
            Interlocked.Increment(ref _reads);
            if (Gate is not null)
            {
                await Gate.Task;
            }

            if (Fail)
            {
                throw new HttpRequestException("refused");
            }

            return new Dictionary<string, byte[]> { ["ca.crt"] = Encoding.UTF8.GetBytes(Value) };
        }
    }
}
