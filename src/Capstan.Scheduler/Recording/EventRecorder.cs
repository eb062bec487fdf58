using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Capstan.Scheduler.Framework;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Capstan.Scheduler.Recording;

/// <summary>
/// Writes what the scheduler concluded back to the API, off the scheduling path: a Warning FailedScheduling event and the
/// PodScheduled=False condition for a pod that fit nowhere, a Normal Scheduled event for a placed one. A failure repeated
/// with the same message bumps the existing event's count instead of adding an event, and the condition is only written
/// when it changes.
/// </summary>
internal sealed partial class EventRecorder
{
    public const string FailedScheduling = "FailedScheduling";
    public const string Scheduled = "Scheduled";

    private readonly IKubernetes _client;
    private readonly string _component;
    private readonly string _instance;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Channel<(PodInfo Pod, string Reason, string Message)> _failures = Channel.CreateUnbounded<(PodInfo, string, string)>(new UnboundedChannelOptions { SingleReader = true });
    // Placements queue only what their event names: a pending pod's PodInfo holds its whole parsed object, and in a burst
    // thousands of placements wait here (they held ~40 MiB at 10,000 pods, past the burst's end).
    private readonly Channel<(EventSubject Pod, string Node)> _placements = Channel.CreateUnbounded<(EventSubject, string)>();
    private readonly Channel<(EventSubject Victim, EventSubject Preemptor, string Node)> _preemptions = Channel.CreateUnbounded<(EventSubject, EventSubject, string)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Series> _series = new(StringComparer.Ordinal);
    private long _nameCounter;

    public EventRecorder(IKubernetes client, string component, string instance, TimeProvider time, ILogger logger)
    {
        _client = client;
        _component = component;
        _instance = instance;
        _time = time;
        _logger = logger;
    }

    public const string SchedulingGatedMessage = "Scheduling is blocked due to non-empty scheduling gates";

    public void RecordFailure(PodInfo pod, string message) => _failures.Writer.TryWrite((pod, "Unschedulable", message));

    /// <summary>PodScheduled=False with reason SchedulingGated (no event, as kube-scheduler), unless the pod already says so.</summary>
    public void RecordGated(PodInfo pod)
    {
        if (pod.ScheduledCondition is not ("False", "SchedulingGated", SchedulingGatedMessage))
        {
            _failures.Writer.TryWrite((pod, "SchedulingGated", SchedulingGatedMessage));
        }
    }

    public void RecordScheduled(PodInfo pod, string node) => _placements.Writer.TryWrite((EventSubject.From(pod), node));

    /// <summary>kube-scheduler's event on a pod it deleted to make room: Normal Preempted, related to the preemptor.</summary>
    public void RecordPreempted(PodInfo victim, PodInfo preemptor, string node) =>
        // A bound pod's PodInfo keeps no object, so the victim is named without a resourceVersion.
        _preemptions.Writer.TryWrite((new EventSubject(victim.Namespace, victim.Name, victim.Uid, ""), EventSubject.From(preemptor), node));

    /// <summary>The pod is gone or placed: its failure series ends.</summary>
    public void Forget(string uid)
    {
        lock (_lock)
        {
            _series.Remove(uid);
        }
    }

    public Task RunAsync(CancellationToken ct) =>
        Task.WhenAll(DrainFailuresAsync(ct), DrainPlacementsAsync(ct), DrainPlacementsAsync(ct), DrainPreemptionsAsync(ct));

    private async Task DrainFailuresAsync(CancellationToken ct)
    {
        try
        {
            await foreach (var (pod, reason, message) in _failures.Reader.ReadAllAsync(ct).ConfigureAwait(false))
            {
                try
                {
                    if (reason == "Unschedulable")
                    {
                        await WriteFailureEventAsync(pod, message, ct).ConfigureAwait(false);
                    }

                    await WriteConditionAsync(pod, reason, message, ct).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogWriteFailed(ex, pod.Key);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private async Task DrainPlacementsAsync(CancellationToken ct)
    {
        try
        {
            await foreach (var (pod, node) in _placements.Reader.ReadAllAsync(ct).ConfigureAwait(false))
            {
                try
                {
                    await CreateEventAsync(pod, "Normal", Scheduled, "Binding", $"Successfully assigned {pod.Namespace}/{pod.Name} to {node}", ct).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogWriteFailed(ex, $"{pod.Namespace}/{pod.Name}");
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private async Task DrainPreemptionsAsync(CancellationToken ct)
    {
        try
        {
            await foreach (var (victim, preemptor, node) in _preemptions.Reader.ReadAllAsync(ct).ConfigureAwait(false))
            {
                try
                {
                    await CreateEventAsync(victim, "Normal", "Preempted", "Preempting", $"Preempted by pod {preemptor.Uid} on node {node}", ct, related: preemptor).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogWriteFailed(ex, $"{victim.Namespace}/{victim.Name}");
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private async Task WriteFailureEventAsync(PodInfo pod, string message, CancellationToken ct)
    {
        Series? series;
        lock (_lock)
        {
            series = _series.GetValueOrDefault(pod.Uid);
        }

        if (series is not null && series.Message == message)
        {
            var count = series.Count + 1;
            var patch = new JsonObject
            {
                ["count"] = count,
                ["lastTimestamp"] = Timestamp(_time.GetUtcNow()),
            };
            try
            {
                await _client.CoreV1.PatchNamespacedEventAsync(new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch), series.EventName, pod.Namespace, cancellationToken: ct).ConfigureAwait(false);
                series.Count = count;
                return;
            }
            catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
            {
                // The event expired or was deleted: start a new one.
            }
        }

        var name = await CreateEventAsync(EventSubject.From(pod), "Warning", FailedScheduling, "Scheduling", message, ct).ConfigureAwait(false);
        lock (_lock)
        {
            _series[pod.Uid] = new Series(name, message) { Count = 1 };
        }
    }

    private async Task WriteConditionAsync(PodInfo pod, string reason, string message, CancellationToken ct)
    {
        if (pod.ScheduledCondition is { } current && current == ("False", reason, message))
        {
            return;
        }

        var condition = new JsonObject
        {
            ["type"] = "PodScheduled",
            ["status"] = "False",
            ["reason"] = reason,
            ["message"] = message,
            ["lastProbeTime"] = null,
        };
        if (pod.ScheduledCondition?.Status != "False")
        {
            condition["lastTransitionTime"] = Timestamp(_time.GetUtcNow());
        }

        var patch = new JsonObject { ["status"] = new JsonObject { ["conditions"] = new JsonArray(condition) } };
        try
        {
            await _client.CoreV1.PatchNamespacedPodStatusAsync(new V1Patch(patch.ToJsonString(), V1Patch.PatchType.StrategicMergePatch), pod.Name, pod.Namespace, cancellationToken: ct).ConfigureAwait(false);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
        {
            // Deleted meanwhile.
        }
    }

    private async Task<string> CreateEventAsync(EventSubject pod, string type, string reason, string action, string message, CancellationToken ct, EventSubject? related = null)
    {
        var now = _time.GetUtcNow();
        // client-go's naming: the object's name and the time in hex nanoseconds (plus a counter so two in one tick differ).
        var stamp = (now.ToUnixTimeMilliseconds() * 1_000_000) + (Interlocked.Increment(ref _nameCounter) % 1_000_000);
        var name = $"{pod.Name}.{stamp.ToString("x", CultureInfo.InvariantCulture)}";
        var ev = new Corev1Event
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = pod.Namespace },
            InvolvedObject = Reference(pod),
            Related = related is { } other ? Reference(other) : null,
            Type = type,
            Reason = reason,
            Message = message,
            Action = action,
            Source = new V1EventSource { Component = _component },
            ReportingComponent = _component,
            ReportingInstance = _instance,
            FirstTimestamp = now.UtcDateTime,
            LastTimestamp = now.UtcDateTime,
            Count = 1,
        };
        try
        {
            await _client.CoreV1.CreateNamespacedEventAsync(ev, pod.Namespace, cancellationToken: ct).ConfigureAwait(false);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
        {
            // The namespace is going away.
        }

        return name;
    }

    private static V1ObjectReference Reference(EventSubject pod) => new()
    {
        ApiVersion = "v1",
        Kind = "Pod",
        Name = pod.Name,
        NamespaceProperty = pod.Namespace,
        Uid = pod.Uid,
        ResourceVersion = pod.ResourceVersion.Length > 0 ? pod.ResourceVersion : null,
    };

    internal static string Timestamp(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>The pod an event is about: its involvedObject.</summary>
    private readonly record struct EventSubject(string Namespace, string Name, string Uid, string ResourceVersion)
    {
        public static EventSubject From(PodInfo pod) =>
            new(pod.Namespace, pod.Name, pod.Uid, Capstan.Client.Dynamic.ObjectMetadata.GetResourceVersion(pod.Object));
    }

    private sealed class Series(string eventName, string message)
    {
        public string EventName { get; } = eventName;

        public string Message { get; } = message;

        public int Count { get; set; }
    }
}
