using System.Globalization;
using System.Text.Json.Nodes;
using Capstan.Api.Registry;
using Capstan.ApiServer.Caching;
using Capstan.ApiServer.Objects;
using Capstan.Storage;
using Microsoft.Extensions.Logging;

namespace Capstan.ApiServer.Expiry;

/// <summary>
/// Deletes Events <see cref="Ttl"/> after their last write, as kube-apiserver does with its --event-ttl (default 1h; there
/// an etcd lease on each event write). Without it every event (one per scheduled pod, per pulled image, per probe
/// failure...) stays in the store and the watch cache for good.
/// <para>The last write is the newest time the event carries: its creation, first and last timestamps, eventTime,
/// series.lastObservedTime, and the time of each managedFields entry (every write through the API stamps its manager's).
/// A sweep runs every <see cref="SweepInterval"/>; an event is parsed again only when its revision has changed. Expired
/// events are deleted in the store, at the revision the sweep read, so an event written meanwhile stays; watchers see
/// DELETED, as they do when Kubernetes' lease expires. Finalizers are not consulted, as in Kubernetes.</para>
/// </summary>
public sealed partial class EventExpiry : IAsyncDisposable
{
    public static readonly TimeSpan DefaultTtl = TimeSpan.FromHours(1);

    private static readonly string[] TimeFields = ["lastTimestamp", "firstTimestamp", "eventTime", "deprecatedLastTimestamp", "deprecatedFirstTimestamp"];

    private readonly IStore _store;
    private readonly IReadOnlyList<ResourceCache> _caches;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Dictionary<string, (long Revision, DateTimeOffset LastWrite)> _lastWrites = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;

    public EventExpiry(IStore store, WatchCache cache, TimeSpan ttl, TimeProvider time, ILogger logger)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ttl, TimeSpan.Zero);
        _store = store;
        // core/v1 and events.k8s.io/v1 Events.
        _caches = [.. cache.Registry.Resources.Where(r => r.Kind == "Event" && !r.IsVirtual).DistinctBy(r => r.StoragePrefix).Select(cache.For)];
        _time = time;
        _logger = logger;
        Ttl = ttl;
    }

    public TimeSpan Ttl { get; }

    /// <summary>A tenth of the TTL, between one second and one minute: an event outlives its TTL by at most that.</summary>
    public TimeSpan SweepInterval => TimeSpan.FromTicks(Math.Clamp(Ttl.Ticks / 10, TimeSpan.TicksPerSecond, TimeSpan.TicksPerMinute));

    public void Start() => _loop ??= RunAsync(_stop.Token);

    /// <summary>Deletes the events whose last write is more than <see cref="Ttl"/> ago; returns how many it deleted.</summary>
    public async Task<int> SweepAsync(CancellationToken ct)
    {
        var now = _time.GetUtcNow();
        var expired = new List<CachedObject>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var cache in _caches)
        {
            foreach (var ev in cache.List(""))
            {
                seen.Add(ev.Key);
                if (!_lastWrites.TryGetValue(ev.Key, out var known) || known.Revision != ev.Revision)
                {
                    known = (ev.Revision, LastWrite(ObjectCodec.Parse(ev)));
                    _lastWrites[ev.Key] = known;
                }

                if (now - known.LastWrite >= Ttl)
                {
                    expired.Add(ev);
                }
            }
        }

        foreach (var key in _lastWrites.Keys.Where(k => !seen.Contains(k)).ToList())
        {
            _lastWrites.Remove(key);
        }

        var deleted = 0;
        foreach (var ev in expired)
        {
            var result = await _store.DeleteAsync(ev.Key, ev.Revision, ct).ConfigureAwait(false);
            if (result.Succeeded)
            {
                _lastWrites.Remove(ev.Key);
                deleted++;
            }
        }

        return deleted;
    }

    /// <summary>The newest time an event carries (see the class remarks); an event with none counts as written now.</summary>
    internal DateTimeOffset LastWrite(JsonObject ev)
    {
        DateTimeOffset? newest = null;
        void Consider(JsonNode? node)
        {
            if (node is JsonValue value && value.TryGetValue<string>(out var text)
                && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
                && (newest is null || at > newest))
            {
                newest = at;
            }
        }

        foreach (var field in TimeFields)
        {
            Consider(ev[field]);
        }

        Consider((ev["series"] as JsonObject)?["lastObservedTime"]);
        var meta = ev["metadata"] as JsonObject;
        Consider(meta?["creationTimestamp"]);
        foreach (var entry in (meta?["managedFields"] as JsonArray ?? []).OfType<JsonObject>())
        {
            Consider(entry["time"]);
        }

        return newest ?? _time.GetUtcNow();
    }

    private async Task RunAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(SweepInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
            {
                try
                {
                    var deleted = await SweepAsync(ct).ConfigureAwait(false);
                    if (deleted > 0)
                    {
                        LogExpired(deleted, Ttl);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // A failed sweep (a store error) is retried at the next tick.
                    LogSweepFailed(ex);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }

        _stop.Dispose();
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "deleted {Count} events older than the event TTL ({Ttl})")]
    private partial void LogExpired(int count, TimeSpan ttl);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "event expiry sweep failed; retrying at the next one")]
    private partial void LogSweepFailed(Exception ex);
}
