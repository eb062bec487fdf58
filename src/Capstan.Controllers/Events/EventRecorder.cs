using System.Text.Json.Nodes;
using Capstan.Client.Dynamic;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Capstan.Controllers.Events;

/// <summary>
/// Writes core/v1 Events about objects, as client-go's recorder does for controllers (source.component and
/// reportingComponent set to the controller's name). Recording never blocks or fails the caller: events are best effort.
/// </summary>
public sealed partial class EventRecorder(IKubernetes client, string component, ILogger logger, TimeProvider? time = null)
{
    private static readonly string Instance = Environment.MachineName;
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public string Component => component;

    public void Normal(JsonObject involved, string reason, string message) => Record(involved, "Normal", reason, message);

    public void Warning(JsonObject involved, string reason, string message) => Record(involved, "Warning", reason, message);

    private void Record(JsonObject involved, string type, string reason, string message)
    {
        var ns = involved.GetNamespace();
        var now = _time.GetUtcNow().UtcDateTime;
        var ev = new Corev1Event
        {
            Metadata = new V1ObjectMeta
            {
                Name = $"{involved.GetName()}.{Guid.NewGuid():N}"[..Math.Min(involved.GetName().Length + 17, 253)],
                NamespaceProperty = ns.Length == 0 ? "default" : ns,
            },
            InvolvedObject = new V1ObjectReference
            {
                ApiVersion = involved.GetApiVersion(),
                Kind = involved.GetKind(),
                Name = involved.GetName(),
                NamespaceProperty = ns.Length == 0 ? null : ns,
                Uid = involved.GetUid(),
                ResourceVersion = involved.GetResourceVersion(),
            },
            Reason = reason,
            Message = message,
            Type = type,
            Source = new V1EventSource { Component = component },
            FirstTimestamp = now,
            LastTimestamp = now,
            Count = 1,
            ReportingComponent = component,
            ReportingInstance = Instance,
        };
        _ = Task.Run(async () =>
        {
            try
            {
                await client.CoreV1.CreateNamespacedEventAsync(ev, ev.Metadata.NamespaceProperty).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                LogFailed(ex, reason, involved.GetKey());
            }
        });
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "could not record event {Reason} about {Key}")]
    private partial void LogFailed(Exception ex, string reason, string key);
}
