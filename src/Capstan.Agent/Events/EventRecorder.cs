using System.Globalization;
using System.Net;
using System.Threading.Channels;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Capstan.Agent.Events;

/// <summary>
/// Writes core/v1 Events as the kubelet does (source component "kubelet", host the node), off the caller's path: a
/// repeat of an event (same object, type, reason and message) bumps the existing one's count and lastTimestamp
/// instead of creating another, so a crash-looping container yields one BackOff event, not thousands. Repeats that
/// arrive while their event waits to be written are merged into that one write (the writer runs behind during a burst
/// of pod starts), ending at the same count and lastTimestamp.
/// </summary>
internal sealed partial class EventRecorder : IAsyncDisposable
{
    private const int MaxSeries = 10_000;
    private readonly IKubernetes _client;
    private readonly string _nodeName;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Channel<Series> _queue = Channel.CreateBounded<Series>(new BoundedChannelOptions(4096) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Series> _series = new(StringComparer.Ordinal);
    private readonly Task _loop;
    private long _sequence;

    public EventRecorder(IKubernetes client, string nodeName, TimeProvider time, ILogger logger)
    {
        _client = client;
        _nodeName = nodeName;
        _time = time;
        _logger = logger;
        _loop = Task.Run(RunAsync);
    }

    public void Pod(V1Pod pod, string type, string reason, string message, string? fieldPath = null) =>
        Record(new V1ObjectReference
        {
            Kind = "Pod",
            ApiVersion = "v1",
            NamespaceProperty = pod.Metadata.NamespaceProperty,
            Name = pod.Metadata.Name,
            Uid = pod.Metadata.Uid,
            ResourceVersion = pod.Metadata.ResourceVersion,
            FieldPath = fieldPath,
        }, type, reason, message);

    /// <summary>Node events go to the default namespace with the node name as uid, as the kubelet reports them.</summary>
    public void Node(string type, string reason, string message) =>
        Record(new V1ObjectReference { Kind = "Node", Name = _nodeName, Uid = _nodeName, NamespaceProperty = "default" }, type, reason, message);

    private void Record(V1ObjectReference involved, string type, string reason, string message)
    {
        var at = _time.GetUtcNow().UtcDateTime;
        var ns = involved.NamespaceProperty ?? "default";
        var key = string.Join('\u0000', involved.Kind, ns, involved.Name, involved.Uid, involved.FieldPath, type, reason, message);
        lock (_lock)
        {
            if (!_series.TryGetValue(key, out var series))
            {
                if (_series.Count >= MaxSeries)
                {
                    foreach (var idle in _series.Where(p => !p.Value.Queued).Select(p => p.Key).ToList())
                    {
                        _series.Remove(idle);
                    }
                }

                series = new Series(involved, ns, type, reason, message, at);
                _series[key] = series;
            }

            series.Count++;
            series.LastTimestamp = at;
            if (series.Queued)
            {
                return;
            }

            series.Queued = _queue.Writer.TryWrite(series);
        }
    }

    private async Task RunAsync()
    {
        await foreach (var series in _queue.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            int count;
            DateTime last;
            string? name;
            lock (_lock)
            {
                series.Queued = false;
                (count, last, name) = (series.Count, series.LastTimestamp, series.Name);
            }

            try
            {
                name = await WriteAsync(series, name, count, last).ConfigureAwait(false);
                lock (_lock)
                {
                    series.Name = name;
                }
            }
            catch (Exception ex) when (ex is HttpOperationException or HttpRequestException or TaskCanceledException)
            {
                LogWriteFailed(ex, series.Reason, series.Involved.Name);
            }
        }
    }

    /// <summary>Creates the series' event, or brings its count and lastTimestamp up to date; returns the event's name.</summary>
    private async Task<string> WriteAsync(Series e, string? existing, int count, DateTime last)
    {
        if (existing is not null)
        {
            var patch = new V1Patch(
                $$"""{"count":{{count}},"lastTimestamp":"{{last.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)}}"}""",
                V1Patch.PatchType.MergePatch);
            try
            {
                await _client.CoreV1.PatchNamespacedEventAsync(patch, existing, e.Namespace).ConfigureAwait(false);
                return existing;
            }
            catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
            {
                // Expired or deleted with its object: start a new one.
            }
        }

        var name = $"{e.Involved.Name}.{((last.Ticks - DateTime.UnixEpoch.Ticks) * 100) + Interlocked.Increment(ref _sequence):x}";
        var ev = new Corev1Event
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = e.Namespace },
            InvolvedObject = e.Involved,
            Type = e.Type,
            Reason = e.Reason,
            Message = e.Message,
            Source = new V1EventSource { Component = "kubelet", Host = _nodeName },
            ReportingComponent = "kubelet",
            ReportingInstance = _nodeName,
            FirstTimestamp = e.FirstTimestamp,
            LastTimestamp = last,
            Count = count,
        };
        await _client.CoreV1.CreateNamespacedEventAsync(ev, e.Namespace).ConfigureAwait(false);
        return name;
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        try
        {
            await _loop.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }
    }

    private sealed class Series(V1ObjectReference involved, string ns, string type, string reason, string message, DateTime first)
    {
        public V1ObjectReference Involved { get; } = involved;

        public string Namespace { get; } = ns;

        public string Type { get; } = type;

        public string Reason { get; } = reason;

        public string Message { get; } = message;

        public DateTime FirstTimestamp { get; } = first;

        public DateTime LastTimestamp { get; set; }

        public int Count { get; set; }

        /// <summary>The event's name once created.</summary>
        public string? Name { get; set; }

        /// <summary>Waiting in the writer's queue: further repeats only raise the count it will write.</summary>
        public bool Queued { get; set; }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "writing event {Reason} for {Name} failed")]
    private partial void LogWriteFailed(Exception ex, string reason, string name);
}
