using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Capstan.Client.Dynamic;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Capstan.Controllers.Events;

/// <summary>
/// Writes core/v1 Events about objects, as client-go's recorder does for controllers (source.component and
/// reportingComponent set to the controller's name), with its correlation: a repeated event bumps its series' count and
/// lastTimestamp, and many similar ones about one object (a ReplicaSet's SuccessfulCreate for each of 100 pods) are
/// combined into one series after the tenth (<see cref="EventCorrelator"/>). A series has at most one write under way:
/// what arrives meanwhile is merged into its next write, so a burst costs a few writes, ending at the same count,
/// message and lastTimestamp. Recording never blocks or fails the caller: events are best effort.
/// </summary>
public sealed partial class EventRecorder(IKubernetes client, string component, ILogger logger, TimeProvider? time = null)
{
    private const int MaxSeries = 4096;
    private static readonly string Instance = Environment.MachineName;
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Series> _series = new(StringComparer.Ordinal);
    private EventCorrelator? _correlator;

    public string Component => component;

    public void Normal(JsonObject involved, string reason, string message) => Record(involved, "Normal", reason, message);

    public void Warning(JsonObject involved, string reason, string message) => Record(involved, "Warning", reason, message);

    private void Record(JsonObject involved, string type, string reason, string message)
    {
        var ns = involved.GetNamespace();
        var reference = new V1ObjectReference
        {
            ApiVersion = involved.GetApiVersion(),
            Kind = involved.GetKind(),
            Name = involved.GetName(),
            NamespaceProperty = ns.Length == 0 ? null : ns,
            Uid = involved.GetUid(),
            ResourceVersion = involved.GetResourceVersion(),
        };
        var now = _time.GetUtcNow().UtcDateTime;
        var objectKey = string.Join('\u0000', reference.Kind, ns, reference.Name, reference.Uid, reference.ApiVersion);
        Series series;
        lock (_lock)
        {
            _correlator ??= new EventCorrelator(_time);
            var (key, text) = _correlator.Correlate(objectKey, type, reason, message);
            if (!_series.TryGetValue(key, out series!))
            {
                if (_series.Count >= MaxSeries)
                {
                    foreach (var idle in _series.Where(p => !p.Value.Writing).Select(p => p.Key).ToList())
                    {
                        _series.Remove(idle);
                    }
                }

                series = new Series(reference, ns.Length == 0 ? "default" : ns, type, reason) { FirstTimestamp = now };
                _series[key] = series;
            }

            series.Count++;
            series.Message = text;
            series.LastTimestamp = now;
            series.InvolvedObject = reference;
            if (series.Writing)
            {
                return;
            }

            series.Writing = true;
        }

        _ = Task.Run(() => WriteAsync(series));
    }

    /// <summary>Writes the series until what it wrote is its latest state; one such loop per series at a time.</summary>
    private async Task WriteAsync(Series series)
    {
        var failures = 0;
        while (true)
        {
            string? name;
            int count;
            string message;
            DateTime first, last;
            V1ObjectReference involved;
            lock (_lock)
            {
                if (series.WrittenCount == series.Count || failures > 2)
                {
                    series.Writing = false;
                    return;
                }

                (name, count, message, first, last, involved) = (series.Name, series.Count, series.Message, series.FirstTimestamp, series.LastTimestamp, series.InvolvedObject);
            }

            try
            {
                if (name is null)
                {
                    name = await CreateAsync(series, involved, count, message, first, last).ConfigureAwait(false);
                }
                else if (!await PatchAsync(series, name, count, message, last).ConfigureAwait(false))
                {
                    // Expired or deleted: start a new event with the series' count.
                    name = await CreateAsync(series, involved, count, message, first, last).ConfigureAwait(false);
                }

                lock (_lock)
                {
                    series.Name = name;
                    series.WrittenCount = count;
                }
            }
            catch (Exception ex)
            {
                failures++;
                LogFailed(ex, series.Reason, $"{series.Namespace}/{involved.Name}");
            }
        }
    }

    private async Task<string> CreateAsync(Series series, V1ObjectReference involved, int count, string message, DateTime first, DateTime last)
    {
        var ev = new Corev1Event
        {
            Metadata = new V1ObjectMeta
            {
                Name = $"{involved.Name}.{Guid.NewGuid():N}"[..Math.Min(involved.Name.Length + 17, 253)],
                NamespaceProperty = series.Namespace,
            },
            InvolvedObject = involved,
            Reason = series.Reason,
            Message = message,
            Type = series.Type,
            Source = new V1EventSource { Component = component },
            FirstTimestamp = first,
            LastTimestamp = last,
            Count = count,
            ReportingComponent = component,
            ReportingInstance = Instance,
        };
        await client.CoreV1.CreateNamespacedEventAsync(ev, series.Namespace).ConfigureAwait(false);
        return ev.Metadata.Name;
    }

    private async Task<bool> PatchAsync(Series series, string name, int count, string message, DateTime last)
    {
        var body = new JsonObject
        {
            ["count"] = count,
            ["message"] = message,
            ["lastTimestamp"] = last.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        };
        try
        {
            await client.CoreV1.PatchNamespacedEventAsync(new V1Patch(body.ToJsonString(JsonSerializerOptions.Default), V1Patch.PatchType.MergePatch), name, series.Namespace).ConfigureAwait(false);
            return true;
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    private sealed class Series(V1ObjectReference involved, string ns, string type, string reason)
    {
        public V1ObjectReference InvolvedObject { get; set; } = involved;

        public string Namespace { get; } = ns;

        public string Type { get; } = type;

        public string Reason { get; } = reason;

        public string Message { get; set; } = "";

        public DateTime FirstTimestamp { get; set; }

        public DateTime LastTimestamp { get; set; }

        public int Count { get; set; }

        /// <summary>The count the API holds; the series is settled when it equals <see cref="Count"/>.</summary>
        public int WrittenCount { get; set; }

        /// <summary>The event's name once created.</summary>
        public string? Name { get; set; }

        public bool Writing { get; set; }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "could not record event {Reason} about {Key}")]
    private partial void LogFailed(Exception ex, string reason, string key);
}
