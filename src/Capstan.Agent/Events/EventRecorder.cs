using System.Collections.Concurrent;
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
/// instead of creating another, so a crash-looping container yields one BackOff event, not thousands.
/// </summary>
internal sealed partial class EventRecorder : IAsyncDisposable
{
    private readonly IKubernetes _client;
    private readonly string _nodeName;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Channel<PendingEvent> _queue = Channel.CreateBounded<PendingEvent>(new BoundedChannelOptions(4096) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly ConcurrentDictionary<string, (string Namespace, string Name, int Count)> _written = new(StringComparer.Ordinal);
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

    private void Record(V1ObjectReference involved, string type, string reason, string message) =>
        _queue.Writer.TryWrite(new PendingEvent(involved, type, reason, message, _time.GetUtcNow().UtcDateTime));

    private async Task RunAsync()
    {
        await foreach (var pending in _queue.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                await WriteAsync(pending).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is HttpOperationException or HttpRequestException or TaskCanceledException)
            {
                LogWriteFailed(ex, pending.Reason, pending.Involved.Name);
            }
        }
    }

    private async Task WriteAsync(PendingEvent e)
    {
        var ns = e.Involved.NamespaceProperty ?? "default";
        var key = string.Join('\u0000', e.Involved.Kind, ns, e.Involved.Name, e.Involved.Uid, e.Involved.FieldPath, e.Type, e.Reason, e.Message);
        if (_written.TryGetValue(key, out var existing))
        {
            var count = existing.Count + 1;
            var patch = new V1Patch(
                $$"""{"count":{{count}},"lastTimestamp":"{{e.At.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)}}"}""",
                V1Patch.PatchType.MergePatch);
            try
            {
                await _client.CoreV1.PatchNamespacedEventAsync(patch, existing.Name, existing.Namespace).ConfigureAwait(false);
                _written[key] = (existing.Namespace, existing.Name, count);
                return;
            }
            catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
            {
                // Expired or deleted with its object: start a new one.
                _written.TryRemove(key, out _);
            }
        }

        var name = $"{e.Involved.Name}.{((e.At.Ticks - DateTime.UnixEpoch.Ticks) * 100) + Interlocked.Increment(ref _sequence):x}";
        var ev = new Corev1Event
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
            InvolvedObject = e.Involved,
            Type = e.Type,
            Reason = e.Reason,
            Message = e.Message,
            Source = new V1EventSource { Component = "kubelet", Host = _nodeName },
            ReportingComponent = "kubelet",
            ReportingInstance = _nodeName,
            FirstTimestamp = e.At,
            LastTimestamp = e.At,
            Count = 1,
        };
        await _client.CoreV1.CreateNamespacedEventAsync(ev, ns).ConfigureAwait(false);
        if (_written.Count > 10_000)
        {
            _written.Clear();
        }

        _written[key] = (ns, name, 1);
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

    private sealed record PendingEvent(V1ObjectReference Involved, string Type, string Reason, string Message, DateTime At);

    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "writing event {Reason} for {Name} failed")]
    private partial void LogWriteFailed(Exception ex, string reason, string name);
}
