using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Capstan.Api.Validation;
using Capstan.Client.Dynamic;
using Capstan.Client.Informers;
using Capstan.Client.Reconciling;
using Capstan.Controllers.Events;
using Capstan.Controllers.Pods;
using Capstan.Controllers.Resources;
using Microsoft.Extensions.Logging;

namespace Capstan.Controllers.NodeLifecycle;

/// <summary>
/// Watches node heartbeats (the node's Lease in kube-node-lease and its Ready condition's lastHeartbeatTime). When neither
/// has changed for <see cref="NodeLifecycleOptions.NodeMonitorGracePeriod"/> — measured on this controller's clock, from
/// when it saw the last change, so the agent's clock does not matter — the node's Ready, MemoryPressure, DiskPressure and
/// PIDPressure conditions become Unknown (NodeStatusUnknown) and its pods are marked not ready. The node's taints follow
/// its Ready condition: unreachable for Unknown, not-ready for False (NoSchedule and NoExecute), none for True; and its
/// pressure conditions (TaintNodesByCondition): memory-pressure, disk-pressure, pid-pressure NoSchedule while True.
/// </summary>
public sealed partial class NodeLifecycleController : Controller
{
    public const string Component = "node-controller";
    public const string LeaseNamespace = "kube-node-lease";

    private static readonly string[] WatchedConditions = ["Ready", "MemoryPressure", "DiskPressure", "PIDPressure"];

    private readonly DynamicClient _client;
    private readonly DynamicInformer _nodes;
    private readonly DynamicInformer _leases;
    private readonly DynamicInformer _pods;
    private readonly NodeLifecycleOptions _options;
    private readonly EventRecorder _events;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, Heartbeat> _heartbeats = new(StringComparer.Ordinal);

    // Nodes whose object changed (or whose last reconcile failed) since their last full reconcile.
    private readonly ConcurrentDictionary<string, byte> _changed = new(StringComparer.Ordinal);

    public NodeLifecycleController(SharedInformerFactory informers, ILoggerFactory loggerFactory, NodeLifecycleOptions? options = null, int workers = 2, TimeProvider? time = null)
        : base(Component, workers, loggerFactory.CreateLogger<NodeLifecycleController>(), time)
    {
        _client = informers.Client;
        _options = options ?? new NodeLifecycleOptions();
        _logger = loggerFactory.CreateLogger<NodeLifecycleController>();
        _events = new EventRecorder(informers.Client.Kubernetes, Component, _logger, Time);
        _nodes = informers.For(KnownResources.Nodes);
        _leases = informers.For(KnownResources.Leases);
        _pods = informers.For(KnownResources.Pods);
        PodIndexes.EnsureNodeName(_pods.Cache);
        _nodes.AddEventHandler(new ResourceEventHandler
        {
            OnAdd = NodeChanged,
            OnUpdate = (_, n) => NodeChanged(n),
            OnDelete = n =>
            {
                _heartbeats.TryRemove(n.GetName(), out _);
                NodeChanged(n);
            },
        });
        _leases.AddEventHandler(new ResourceEventHandler
        {
            OnAdd = LeaseChanged,
            OnUpdate = (_, l) => LeaseChanged(l),
        });
    }

    protected override IReadOnlyCollection<DynamicInformer> Informers => [_nodes, _leases, _pods];

    protected override async Task<ReconcileResult> ReconcileAsync(string key, CancellationToken ct)
    {
        // The periodic look at a node that was Ready at its last reconcile, whose object has not changed since and whose
        // heartbeat deadline has not passed, would find nothing to do: skip parsing it (with thousands of nodes and a
        // one-second monitor period this was a quarter of the server's CPU). Its deadline moves with each lease renewal
        // (LeaseChanged), so look again when it comes.
        var now = Time.GetUtcNow();
        if (!_changed.ContainsKey(key) && _heartbeats.TryGetValue(key, out var known) && known.Healthy
            && known.ObservedAt + _options.NodeMonitorGracePeriod is var due && now < due)
        {
            return ReconcileResult.After(due - now);
        }

        _changed.TryRemove(key, out _);
        try
        {
            return await ReconcileNodeAsync(key, now, ct).ConfigureAwait(false);
        }
        catch
        {
            _changed[key] = 0;
            throw;
        }
    }

    private async Task<ReconcileResult> ReconcileNodeAsync(string key, DateTimeOffset now, CancellationToken ct)
    {
        var node = _nodes.Cache.Get(key);
        if (node is null)
        {
            _heartbeats.TryRemove(key, out _);
            return ReconcileResult.Done;
        }

        var ready = Condition(node, "Ready");
        var renew = _leases.Cache.Get($"{LeaseNamespace}/{key}")?["spec"]?["renewTime"]?.ToJsonString();
        var heartbeat = ready?["lastHeartbeatTime"]?.ToJsonString();
        var seen = _heartbeats.AddOrUpdate(key,
            _ => new Heartbeat(now, renew, heartbeat),
            (_, last) => last.Renew != renew || last.ReadyHeartbeat != heartbeat ? new Heartbeat(now, renew, heartbeat) : last);

        var grace = ready is null ? _options.NodeStartupGracePeriod : _options.NodeMonitorGracePeriod;
        var deadline = seen.ObservedAt + grace;
        if (now >= deadline)
        {
            node = await MarkUnknownAsync(node, ready is null, now, ct).ConfigureAwait(false);
        }

        // A node that has not posted a Ready condition yet is left alone until its startup grace period runs out.
        var finalReady = Condition(node, "Ready")?.StrOrEmpty("status");
        _heartbeats.AddOrUpdate(key, _ => seen with { Healthy = finalReady == "True" }, (_, h) => h with { Healthy = finalReady == "True" });
        if (finalReady is { Length: > 0 } readyStatus)
        {
            // Taints first: they start the evictions, which matter more for replacing the pods than their Ready flags.
            await ReconcileTaintsAsync(node, readyStatus, now, ct).ConfigureAwait(false);
            if (readyStatus == "Unknown")
            {
                await MarkPodsNotReadyAsync(key, now, ct).ConfigureAwait(false);
            }
        }

        // Nothing announces a heartbeat that does not come: look again at the deadline, and every monitor period besides.
        var next = deadline > now ? deadline - now : _options.NodeMonitorPeriod;
        return ReconcileResult.After(next < _options.NodeMonitorPeriod ? next : _options.NodeMonitorPeriod);
    }

    private async Task<JsonObject> MarkUnknownAsync(JsonObject node, bool neverPosted, DateTimeOffset now, CancellationToken ct)
    {
        var copy = node.DeepCopy();
        var status = copy.EnsureObj("status");
        var conditions = status["conditions"] as JsonArray ?? [];
        status["conditions"] = conditions;
        var changed = false;
        foreach (var type in WatchedConditions)
        {
            var condition = conditions.OfType<JsonObject>().FirstOrDefault(c => c.StrOrEmpty("type") == type);
            if (condition is null)
            {
                if (!neverPosted && type != "Ready")
                {
                    continue;
                }

                conditions.Add(new JsonObject
                {
                    ["type"] = type,
                    ["status"] = "Unknown",
                    ["lastHeartbeatTime"] = Timestamps.Format(now),
                    ["lastTransitionTime"] = Timestamps.Format(now),
                    ["reason"] = "NodeStatusNeverUpdated",
                    ["message"] = "Kubelet never posted node status.",
                });
                changed = true;
            }
            else if (condition.StrOrEmpty("status") != "Unknown")
            {
                condition["status"] = "Unknown";
                condition["reason"] = "NodeStatusUnknown";
                condition["message"] = "Kubelet stopped posting node status.";
                condition["lastTransitionTime"] = Timestamps.Format(now);
                changed = true;
            }
        }

        if (!changed)
        {
            return node;
        }

        LogUnknown(node.GetName());
        var updated = await _client.UpdateStatusAsync(KnownResources.Nodes, copy, ct).ConfigureAwait(false);
        _events.Normal(node, "NodeNotReady", $"Node {node.GetName()} status is now: NodeNotReady");
        return updated;
    }

    private async Task ReconcileTaintsAsync(JsonObject node, string readyStatus, DateTimeOffset now, CancellationToken ct)
    {
        var current = node["spec"]?["taints"] as JsonArray;
        var byReady = NodeTaints.Reconcile(current, readyStatus, now);
        var byConditions = NodeTaints.ReconcileConditions(byReady ?? current, type => Condition(node, type)?.StrOrEmpty("status"));
        var taints = byConditions ?? byReady;
        if (taints is null)
        {
            return;
        }

        var copy = node.DeepCopy();
        var spec = copy.EnsureObj("spec");
        if (taints.Count == 0)
        {
            spec.Remove("taints");
        }
        else
        {
            spec["taints"] = taints;
        }

        await _client.UpdateAsync(KnownResources.Nodes, copy, ct).ConfigureAwait(false);
    }

    /// <summary>Pods on a node nobody hears from are not ready any more (Kubernetes' MarkPodsNotReady): endpoints drop them at once.</summary>
    private async Task MarkPodsNotReadyAsync(string nodeName, DateTimeOffset now, CancellationToken ct)
    {
        foreach (var pod in _pods.Cache.ByIndex(PodIndexes.NodeName, nodeName))
        {
            var ready = PodFacts.Condition(pod, "Ready");
            if (PodFacts.IsTerminal(pod) || ready is null || ready.StrOrEmpty("status") == "False")
            {
                continue;
            }

            var copy = pod.DeepCopy();
            var condition = PodFacts.Condition(copy, "Ready")!;
            condition["status"] = "False";
            condition["lastTransitionTime"] = Timestamps.Format(now);
            try
            {
                await _client.UpdateStatusAsync(KnownResources.Pods, copy, ct).ConfigureAwait(false);
            }
            catch (ApiRequestException ex) when (ex.IsNotFound || ex.IsConflict)
            {
                // Gone, or changed meanwhile: the next pass looks again.
            }
        }
    }

    /// <summary>
    /// A renewal of a node that was Ready at its last reconcile only moves its deadline: it is recorded here instead of
    /// queueing a reconcile (thousands of nodes renew every few seconds; reconciling each renewal was 12–24 % of the
    /// server's CPU with 5,000 simulated nodes). The periodic look at the deadline stays queued either way.
    /// </summary>
    private void NodeChanged(JsonObject node)
    {
        var name = node.GetName();
        _changed[name] = 0;
        Queue.Add(name);
    }

    private void LeaseChanged(JsonObject lease)
    {
        if (lease.GetNamespace() != LeaseNamespace)
        {
            return;
        }

        var name = lease.GetName();
        var renew = lease["spec"]?["renewTime"]?.ToJsonString();
        if (_heartbeats.TryGetValue(name, out var last) && last.Healthy
            && (last.Renew == renew || _heartbeats.TryUpdate(name, last with { ObservedAt = Time.GetUtcNow(), Renew = renew }, last)))
        {
            return;
        }

        Queue.Add(name);
    }

    private static JsonObject? Condition(JsonObject node, string type) =>
        (node["status"] as JsonObject)?.Items("conditions").Select(c => c.Item).FirstOrDefault(c => c.StrOrEmpty("type") == type);

    /// <summary>
    /// The last heartbeat values seen and when (on this controller's clock) they were first seen; Healthy when the node's
    /// last reconcile left it Ready.
    /// </summary>
    private sealed record Heartbeat(DateTimeOffset ObservedAt, string? Renew, string? ReadyHeartbeat, bool Healthy = false);

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "node {Node} stopped posting status; marking it Unknown")]
    private partial void LogUnknown(string node);
}
