using System.Net;
using System.Text.Json.Nodes;
using Capstan.Client.Cache;
using Capstan.Client.Dynamic;
using Microsoft.Extensions.Logging;

namespace Capstan.Client.Informers;

/// <summary>
/// Keeps an <see cref="IndexedCache"/> of one resource up to date: lists, then watches from the list's resourceVersion
/// (advancing on bookmarks), relists at once on 410 Gone and after a jittered backoff on any other failure, and tells its
/// handlers about every change, including deletions it only learns of from a relist.
/// </summary>
public sealed partial class DynamicInformer
{
    private readonly DynamicClient _client;
    private readonly InformerOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Lock _dispatchLock = new();
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CompactMetadata? _compact;
    private readonly DynamicInformer? _source;
    private ResourceEventHandler[] _handlers = [];

    public DynamicInformer(DynamicClient client, ApiResource resource, InformerOptions? options, ILogger logger, TimeProvider? time = null)
    {
        _client = client;
        Resource = resource;
        _options = options ?? new InformerOptions();
        _logger = logger;
        _time = time ?? TimeProvider.System;
        _compact = _options.MetadataOnly ? new CompactMetadata(resource) : null;
        Cache = new IndexedCache(serialized: true);
    }

    /// <summary>
    /// A metadata-only informer fed by <paramref name="source"/>, a full informer of the same resource in this process:
    /// each of its events is projected as a metadata watch would have sent it, without a second watch (which costs the
    /// server a parse and an encode of every changed object, and this process a second decode).
    /// </summary>
    internal DynamicInformer(DynamicInformer source, ILogger logger)
    {
        _client = source._client;
        Resource = source.Resource;
        _options = new InformerOptions { MetadataOnly = true };
        _logger = logger;
        _time = source._time;
        _compact = new CompactMetadata(Resource);
        _source = source;
        Cache = new IndexedCache(serialized: true);
        source.AddEventHandler(new ResourceEventHandler
        {
            OnAdd = obj => ApplyFromSource(WatchEventKind.Added, obj),
            OnUpdate = (_, obj) => ApplyFromSource(WatchEventKind.Modified, obj),
            OnDelete = obj => ApplyFromSource(WatchEventKind.Deleted, obj),
        });
        _ = source._synced.Task.ContinueWith(_ => _synced.TrySetResult(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    public ApiResource Resource { get; }

    /// <summary>
    /// The objects, without metadata.managedFields (as kube-controller-manager's informers drop them: no controller
    /// reads them, and an update without them keeps the stored ones); each read parses a fresh copy (see <see cref="IndexedCache"/>).
    /// </summary>
    public IndexedCache Cache { get; }

    /// <summary>True once the first list has been applied to the cache.</summary>
    public bool HasSynced => _synced.Task.IsCompleted;

    /// <summary>The resourceVersion the informer has seen up to.</summary>
    public string LastSyncResourceVersion { get; private set; } = "";

    /// <summary>Adds handlers; when the cache already has objects they get an add for each first, as if they had just arrived.</summary>
    public void AddEventHandler(ResourceEventHandler handler)
    {
        lock (_dispatchLock)
        {
            _handlers = [.. _handlers, handler];
            if (handler.OnAdd is { } onAdd)
            {
                foreach (var obj in Cache.List())
                {
                    Invoke(onAdd, obj);
                }
            }
        }
    }

    public Task WaitForSyncAsync(CancellationToken ct) => _synced.Task.WaitAsync(ct);

    /// <summary>Runs until <paramref name="ct"/> is cancelled.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        if (_source is not null)
        {
            // Fed by the source's events; it runs on its own.
            try
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, _time, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }

            return;
        }

        var backoff = _options.InitialBackoff;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await ListAndWatchAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (ApiRequestException ex) when (ex.IsGone)
            {
                LogGone(Resource.ToString());
                backoff = _options.InitialBackoff;
                continue;
            }
            catch (Exception ex)
            {
                LogFailed(ex, Resource.ToString(), backoff.TotalMilliseconds);
                var jittered = backoff * (1 + Random.Shared.NextDouble());
                try
                {
                    await Task.Delay(jittered, _time, ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _options.MaxBackoff.Ticks));
                continue;
            }
        }
    }

    private async Task ListAndWatchAsync(CancellationToken ct)
    {
        var list = await _client.ListAsync(Resource, _options.Namespace, _options.LabelSelector, _options.FieldSelector, ct, _options.MetadataOnly).ConfigureAwait(false);
        var delta = Cache.Replace(list.Items.Select(Trim));
        lock (_dispatchLock)
        {
            foreach (var obj in delta.Deleted)
            {
                Dispatch(WatchEventKind.Deleted, null, obj);
            }

            foreach (var obj in delta.Added)
            {
                Dispatch(WatchEventKind.Added, null, obj);
            }

            foreach (var (old, obj) in delta.Updated)
            {
                if (old.GetResourceVersion() != obj.GetResourceVersion())
                {
                    Dispatch(WatchEventKind.Modified, old, obj);
                }
            }
        }

        LastSyncResourceVersion = list.ResourceVersion;
        _synced.TrySetResult();

        while (!ct.IsCancellationRequested)
        {
            // Like client-go, ask the server to end each watch after 5-10 minutes so connections are rebalanced; resume from the last version.
            var timeout = 300 + Random.Shared.Next(300);
            await foreach (var ev in _client.WatchAsync(Resource, _options.Namespace, LastSyncResourceVersion, timeout, _options.LabelSelector, _options.FieldSelector, ct, _options.MetadataOnly).ConfigureAwait(false))
            {
                Apply(ev);
            }
        }
    }

    private void Apply(WatchEvent ev)
    {
        var obj = ev.Kind is WatchEventKind.Added or WatchEventKind.Modified or WatchEventKind.Deleted ? Trim(ev.Object) : ev.Object;

        switch (ev.Kind)
        {
            case WatchEventKind.Error:
                var code = obj["code"]?.GetValue<int>() ?? 0;
                throw new ApiRequestException(code == 0 ? HttpStatusCode.InternalServerError : (HttpStatusCode)code, obj.ToJsonString());
            case WatchEventKind.Bookmark:
                break;
            case WatchEventKind.Added or WatchEventKind.Modified:
                var old = Cache.Upsert(obj);
                lock (_dispatchLock)
                {
                    Dispatch(old is null ? WatchEventKind.Added : WatchEventKind.Modified, old, obj);
                }

                break;
            case WatchEventKind.Deleted:
                var last = Cache.Delete(obj.GetKey()) ?? obj;
                lock (_dispatchLock)
                {
                    Dispatch(WatchEventKind.Deleted, null, obj.GetResourceVersion().Length > 0 ? obj : last);
                }

                break;
        }

        if (obj.GetResourceVersion() is { Length: > 0 } rv)
        {
            LastSyncResourceVersion = rv;
        }
    }

    // Called by the source's dispatch, in its order; the source already decided added / modified / deleted against its cache.
    private void ApplyFromSource(WatchEventKind kind, JsonObject full)
    {
        var obj = _compact!.Project(full);
        if (kind == WatchEventKind.Deleted)
        {
            Cache.Delete(obj.GetKey());
            lock (_dispatchLock)
            {
                Dispatch(WatchEventKind.Deleted, null, obj);
            }
        }
        else
        {
            var old = Cache.Upsert(obj);
            lock (_dispatchLock)
            {
                Dispatch(old is null ? WatchEventKind.Added : WatchEventKind.Modified, old, obj);
            }
        }

        if (obj.GetResourceVersion() is { Length: > 0 } rv)
        {
            LastSyncResourceVersion = rv;
        }
    }

    /// <summary>What the cache and the handlers get of a listed or watched object: the metadata projection, or the object without managedFields.</summary>
    private JsonObject Trim(JsonObject obj)
    {
        if (_compact is not null)
        {
            return _compact.Project(obj);
        }

        (obj["metadata"] as JsonObject)?.Remove("managedFields");
        return obj;
    }

    // Calls each handler directly (a lambda per handler per event for a shared try/catch was ~1 % of the server's
    // allocation: a closure and a delegate for every handler of every event).
    private void Dispatch(WatchEventKind kind, JsonObject? old, JsonObject obj)
    {
        foreach (var handler in _handlers)
        {
            try
            {
                switch (kind)
                {
                    case WatchEventKind.Added:
                        handler.OnAdd?.Invoke(obj);
                        break;
                    case WatchEventKind.Modified:
                        handler.OnUpdate?.Invoke(old!, obj);
                        break;
                    case WatchEventKind.Deleted:
                        handler.OnDelete?.Invoke(obj);
                        break;
                }
            }
            catch (Exception ex)
            {
                // A failing handler must not stop the informer feeding every other handler.
                LogHandlerFailed(ex, Resource.ToString());
            }
        }
    }

    private void Invoke(Action<JsonObject> action, JsonObject obj)
    {
        try
        {
            action(obj);
        }
        catch (Exception ex)
        {
            // A failing handler must not stop the informer feeding every other handler.
            LogHandlerFailed(ex, Resource.ToString());
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "watch of {Resource} expired (410 Gone); relisting")]
    private partial void LogGone(string resource);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "list/watch of {Resource} failed; retrying in about {BackoffMs} ms")]
    private partial void LogFailed(Exception ex, string resource, double backoffMs);

    [LoggerMessage(EventId = 3, Level = LogLevel.Error, Message = "an event handler of the {Resource} informer failed")]
    private partial void LogHandlerFailed(Exception ex, string resource);
}
