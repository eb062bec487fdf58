using System.Collections.Frozen;
using Capstan.Api.Registry;
using Capstan.ApiServer.Objects;
using Capstan.Storage;
using Microsoft.Extensions.Logging;

namespace Capstan.ApiServer.Caching;

/// <summary>
/// Mirrors the whole registry from the store into one <see cref="ResourceCache"/> per resource: one initial range read,
/// then one store watch whose events are applied in revision order.
/// </summary>
public sealed class WatchCache : IAsyncDisposable
{
    private readonly IStore _store;
    private readonly ILogger _logger;
    private readonly FrozenDictionary<string, ResourceCache> _byPrefix;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _waitLock = new();
    private readonly SortedList<long, List<TaskCompletionSource>> _waiters = [];
    private Task? _loop;
    private long _revision;

    public WatchCache(IStore store, ResourceRegistry registry, ILogger logger)
    {
        _store = store;
        _logger = logger;
        Registry = registry;
        _byPrefix = registry.Resources.Where(r => !r.IsVirtual)
            .ToFrozenDictionary(r => r.StoragePrefix, r => new ResourceCache(r, 0), StringComparer.Ordinal);
    }

    public ResourceRegistry Registry { get; }

    /// <summary>The revision of the newest store event applied to the cache.</summary>
    public long Revision => Interlocked.Read(ref _revision);

    public ResourceCache For(ResourceInfo resource) => _byPrefix[resource.StoragePrefix];

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var all = await _store.RangeAsync("/registry/", 0, null, 0, cancellationToken).ConfigureAwait(false);
        foreach (var kv in all.Items)
        {
            var cache = Route(kv.Key);
            if (cache is not null)
            {
                cache.Load(ObjectCodec.ToCached(kv.Key, kv.Value, kv.ModRevision, cache.Compression));
            }
        }

        Interlocked.Exchange(ref _revision, all.Revision);
        foreach (var cache in _byPrefix.Values)
        {
            cache.ResetFloor(all.Revision);
        }

        // The first watch is opened here, not on the loop's thread: on an empty store the range read says revision 0, which
        // to the store means "from now", so writes made before a later subscription (the bootstrap objects) would be lost.
        var first = _store.WatchAsync("/registry/", all.Revision, _stop.Token).GetAsyncEnumerator(_stop.Token);
        var firstMove = first.MoveNextAsync();
        _loop = Task.Run(() => RunAsync(all.Revision, first, firstMove, _stop.Token), CancellationToken.None);
    }

    /// <summary>Waits until the cache has applied <paramref name="revision"/> (for reads that must see a write that already happened).</summary>
    public Task WaitForRevisionAsync(long revision, CancellationToken cancellationToken)
    {
        if (Revision >= revision)
        {
            return Task.CompletedTask;
        }

        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waitLock)
        {
            if (Revision >= revision)
            {
                return Task.CompletedTask;
            }

            if (!_waiters.TryGetValue(revision, out var list))
            {
                list = [];
                _waiters.Add(revision, list);
            }

            list.Add(tcs);
        }

        return tcs.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Waits until the cache has caught up with every write the store has acknowledged so far.</summary>
    public Task SyncAsync(CancellationToken cancellationToken) => WaitForRevisionAsync(_store.CurrentRevision, cancellationToken);

    private async Task RunAsync(long fromRevision, IAsyncEnumerator<WatchEvent> first, ValueTask<bool> firstMove, CancellationToken cancellationToken)
    {
        var after = fromRevision;
        try
        {
            after = await DrainAsync(first, firstMove, after).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return;
        }
        catch (Exception ex)
        {
            _logger.LogWarning(ex, "watch cache: store watch ended at revision {Revision}; resuming", after);
        }
        finally
        {
            await first.DisposeAsync().ConfigureAwait(false);
        }

        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await foreach (var ev in _store.WatchAsync("/registry/", after, cancellationToken).ConfigureAwait(false))
                {
                    Apply(ev);
                    after = ev.Revision;
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // A broken store watch resumes from the last applied revision; history in the store makes that gap-free.
                _logger.LogWarning(ex, "watch cache: store watch ended at revision {Revision}; resuming", after);
                await Task.Delay(100, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<long> DrainAsync(IAsyncEnumerator<WatchEvent> watch, ValueTask<bool> move, long after)
    {
        while (await move.ConfigureAwait(false))
        {
            Apply(watch.Current);
            after = watch.Current.Revision;
            move = watch.MoveNextAsync();
        }

        return after;
    }

    private void Apply(WatchEvent ev)
    {
        var cache = Route(ev.Current.Key);
        if (cache is not null)
        {
            try
            {
                if (ev.Type == WatchEventType.Delete)
                {
                    if (ev.Previous is not null)
                    {
                        cache.Apply(new CacheEvent(CacheEventType.Deleted, ObjectCodec.ToCached(ev.Current.Key, ev.Previous.Value, ev.Revision, cache.Compression), ev.Revision));
                    }
                }
                else
                {
                    var type = ev.IsCreate ? CacheEventType.Added : CacheEventType.Modified;
                    cache.Apply(new CacheEvent(type, ObjectCodec.ToCached(ev.Current.Key, ev.Current.Value, ev.Revision, cache.Compression), ev.Revision));
                }
            }
            catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidDataException)
            {
                _logger.LogError(ex, "watch cache: undecodable value at {Key} revision {Revision}", ev.Current.Key, ev.Revision);
            }
        }

        Interlocked.Exchange(ref _revision, ev.Revision);
        ReleaseWaiters(ev.Revision);
    }

    private void ReleaseWaiters(long revision)
    {
        List<TaskCompletionSource>? ready = null;
        lock (_waitLock)
        {
            while (_waiters.Count > 0 && _waiters.Keys[0] <= revision)
            {
                (ready ??= []).AddRange(_waiters.Values[0]);
                _waiters.RemoveAt(0);
            }
        }

        if (ready is not null)
        {
            foreach (var t in ready)
            {
                t.TrySetResult();
            }
        }
    }

    private ResourceCache? Route(string key)
    {
        // key: /registry/<group>/<plural>/...
        var third = key.IndexOf('/', "/registry/".Length);
        if (third < 0)
        {
            return null;
        }

        var fourth = key.IndexOf('/', third + 1);
        return fourth < 0 ? null : _byPrefix.GetValueOrDefault(key[..(fourth + 1)]);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            try
            {
                // The store ends its watches when it is disposed, which happens after this; do not wait on it forever.
                await _loop.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or TimeoutException)
            {
            }
        }

        _stop.Dispose();
    }
}
