using System.Text.Json.Nodes;
using Capstan.Api.Json;
using Capstan.Api.Validation;
using Capstan.Client.Dynamic;
using Capstan.Scheduler.Binding;
using Capstan.Scheduler.Cache;
using Capstan.Scheduler.Framework;
using Capstan.Scheduler.Queue;
using Capstan.Scheduler.Recording;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Capstan.Scheduler;

/// <summary>
/// The scheduling loop: informer events keep the cache and queue current; one loop pops a pod, decides its node under
/// the cache lock (microseconds), assumes it there and hands the binding to the binder, then takes the next pod without
/// waiting for the write.
/// </summary>
internal sealed partial class Scheduler : IDisposable
{
    private readonly SchedulerOptions _options;
    private readonly Dictionary<string, SchedulingFramework> _frameworks;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, IReadOnlyDictionary<string, string>> _namespaceLabels = new(StringComparer.Ordinal);
    private readonly Func<string, IReadOnlyDictionary<string, string>?> _namespaceLookup;
    private readonly PodBinder _binder;
    private readonly k8s.IKubernetes _client;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _preempting = new(StringComparer.Ordinal);
    private readonly EventRecorder _recorder;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private int _binding;

    public Scheduler(k8s.IKubernetes client, SchedulerOptions options, ILoggerFactory loggerFactory, IReadOnlyList<IFilterPlugin>? extraFilters = null)
    {
        _options = options;
        _time = options.TimeProvider ?? TimeProvider.System;
        _logger = loggerFactory.CreateLogger<Scheduler>();
        Cache = new SchedulerCache();
        Queue = new SchedulingQueue(_time, options.InitialBackoff, options.MaxBackoff, options.UnschedulableTimeout);
        _frameworks = options.EffectiveProfiles.ToDictionary(p => p.SchedulerName, p => SchedulingFramework.Create(p, options.Random ?? Random.Shared, extraFilters), StringComparer.Ordinal);
        _namespaceLookup = ns => _namespaceLabels.GetValueOrDefault(ns);
        _binder = new PodBinder(client, options.BindConcurrency);
        _client = client;
        var instance = options.InstanceName ?? $"{options.SchedulerName}-{Environment.MachineName.ToLowerInvariant()}";
        _recorder = new EventRecorder(client, options.SchedulerName, instance, _time, loggerFactory.CreateLogger<EventRecorder>());
    }

    public SchedulerCache Cache { get; }

    public SchedulingQueue Queue { get; }

    /// <summary>Pods waiting for the room their preemption made.</summary>
    public NominatedPods Nominated { get; } = new();

    /// <summary>The cluster's PodDisruptionBudgets, which preemption tries not to violate (none unless the service sets it).</summary>
    public Func<IReadOnlyList<DisruptionBudget>> DisruptionBudgets { get; set; } = () => [];

    public Task RunRecorderAsync(CancellationToken ct) => _recorder.RunAsync(ct);

    public async Task RunAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            QueuedPod queued;
            try
            {
                queued = await Queue.PopAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break;
            }

            ScheduleOne(queued, ct);
        }

        // Bindings are cancelled with ct; let them settle so none outlives the scheduler (and its client).
        for (var i = 0; i < 500 && Volatile.Read(ref _binding) > 0; i++)
        {
            await Task.Delay(10, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>Decides one pod; the binding (and its outcome) continues in the background.</summary>
    internal void ScheduleOne(QueuedPod queued, CancellationToken ct)
    {
        var pod = queued.Pod;
        if (Cache.IsAssumed(pod.Uid))
        {
            // Already decided; its binding is in flight and the informer will show it bound.
            Queue.Done(queued);
            return;
        }

        if (!_frameworks.TryGetValue(pod.SchedulerName, out var framework))
        {
            Queue.Delete(pod.Key);
            return;
        }

        var result = Cache.WithNodes(nodes =>
        {
            var r = framework.Schedule(pod, nodes, _namespaceLookup, Nominated);
            if (r.Node is { } node)
            {
                Cache.Assume(pod, node.Name);
            }

            return r;
        });
        if (result.Node is not { } chosen)
        {
            var message = result.Error!.Message;
            LogUnschedulable(pod.Key, message);
            Queue.AddUnschedulable(queued);
            _recorder.RecordFailure(pod, message);
            TryPreempt(pod, result.Error, framework, ct);
            return;
        }

        _ = BindAsync(queued, pod, chosen.Name, ct);
    }

    // One preemption per pod at a time: its victims take their grace period to go, and the pod is retried when they do
    // (their deletion frees resources and requeues it).
    private void TryPreempt(PodInfo pod, FitError error, SchedulingFramework framework, CancellationToken ct)
    {
        if (pod.PreemptionPolicy == "Never" || _preempting.ContainsKey(pod.Uid))
        {
            return;
        }

        var budgets = DisruptionBudgets();
        var candidate = Cache.WithNodes(nodes =>
            Preemption.FindCandidate(pod, error, nodes.ToDictionary(n => n.Name, StringComparer.Ordinal), (p, n) => framework.RunFilters(p, n, Nominated), budgets));
        if (candidate is not { } chosen)
        {
            return;
        }

        // Counted from now on, before the status write lands, so no lower-priority decision takes the room meanwhile.
        Nominated.Add(pod, chosen.Node.Name);

        _preempting[pod.Uid] = chosen.Node.Name;
        _ = PreemptAsync(pod, chosen.Node.Name, chosen.Victims, ct);
    }

    private async Task PreemptAsync(PodInfo pod, string node, IReadOnlyList<PodInfo> victims, CancellationToken ct)
    {
        try
        {
            LogPreempting(pod.Key, node, string.Join(", ", victims.Select(v => v.Key)));
            var nominated = new V1Patch("{\"status\":{\"nominatedNodeName\":\"" + node + "\"}}", V1Patch.PatchType.MergePatch);
            await _client.CoreV1.PatchNamespacedPodStatusAsync(nominated, pod.Name, pod.Namespace, cancellationToken: ct).ConfigureAwait(false);
            // As kube-scheduler: each victim first gets DisruptionTarget=True (what a Job's podFailurePolicy and a
            // controller read to tell preemption from a crash), then is deleted, then an Event on it names the preemptor.
            var disruption = DisruptionTargetPatch(pod.SchedulerName.Length > 0 ? pod.SchedulerName : _options.SchedulerName);
            foreach (var victim in victims)
            {
                try
                {
                    await _client.CoreV1.PatchNamespacedPodStatusAsync(disruption, victim.Name, victim.Namespace, cancellationToken: ct).ConfigureAwait(false);
                    await _client.CoreV1.DeleteNamespacedPodAsync(victim.Name, victim.Namespace, new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = victim.Uid } }, cancellationToken: ct).ConfigureAwait(false);
                }
                catch (k8s.Autorest.HttpOperationException ex) when (ex.Response.StatusCode is System.Net.HttpStatusCode.NotFound or System.Net.HttpStatusCode.Conflict)
                {
                    continue; // already gone, or a new pod under the name
                }

                _recorder.RecordPreempted(victim, pod, node);
            }

            // Lower-priority pods nominated to this node may no longer fit there: their nomination is cleared (as
            // kube-scheduler does), which also sends them back to be decided afresh.
            var clear = new V1Patch("{\"status\":{\"nominatedNodeName\":null}}", V1Patch.PatchType.MergePatch);
            foreach (var lower in Nominated.RemoveBelow(pod, node))
            {
                try
                {
                    await _client.CoreV1.PatchNamespacedPodStatusAsync(clear, lower.Name, lower.Namespace, cancellationToken: ct).ConfigureAwait(false);
                }
                catch (k8s.Autorest.HttpOperationException ex) when (ex.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
                {
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is k8s.Autorest.HttpOperationException or HttpRequestException)
        {
            LogPreemptionFailed(ex, pod.Key);
        }
        finally
        {
            _ = ForgetPreemptionAsync(pod.Uid, ct);
        }
    }

    private V1Patch DisruptionTargetPatch(string schedulerName)
    {
        var condition = new JsonObject
        {
            ["type"] = "DisruptionTarget",
            ["status"] = "True",
            ["reason"] = "PreemptionByScheduler",
            ["message"] = $"{schedulerName}: preempting to accommodate a higher priority pod",
            ["lastTransitionTime"] = EventRecorder.Timestamp(_time.GetUtcNow()),
        };
        var patch = new JsonObject { ["status"] = new JsonObject { ["conditions"] = new JsonArray(condition) } };
        return new V1Patch(patch.ToJsonString(), V1Patch.PatchType.StrategicMergePatch);
    }

    // Another preemption for the same pod is allowed once its victims have had time to go.
    private async Task ForgetPreemptionAsync(string uid, CancellationToken ct)
    {
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(30), ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _preempting.TryRemove(uid, out _);
    }

    private async Task BindAsync(QueuedPod queued, PodInfo pod, string node, CancellationToken ct)
    {
        Interlocked.Increment(ref _binding);
        try
        {
            var outcome = await _binder.BindAsync(pod.Namespace, pod.Name, pod.Uid, node, ct).ConfigureAwait(false);
            if (outcome == BindOutcome.Gone)
            {
                Cache.Forget(pod.Uid);
                Queue.Delete(pod.Key);
                return;
            }

            Queue.Done(queued);
            Nominated.Remove(pod.Uid);
            _recorder.Forget(pod.Uid);
            if (_options.RecordScheduledEvents)
            {
                _recorder.RecordScheduled(pod, node);
            }

            LogBound(pod.Key, node);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            LogBindFailed(ex, pod.Key, node);
            Cache.Forget(pod.Uid);
            Queue.AddBackoff(queued);
        }
        finally
        {
            Interlocked.Decrement(ref _binding);
        }
    }

    public void OnPodAdd(JsonObject obj) => OnPod(PodInfo.From(obj));

    public void OnPodUpdate(JsonObject old, JsonObject obj)
    {
        if (!ChangesNothingScheduled(old, obj))
        {
            OnPod(PodInfo.From(obj));
        }
    }

    private static bool Terminal(JsonObject pod) => JsonAccess.AsString(pod["status"]?["phase"]) is "Succeeded" or "Failed";

    // A node's status writes for a pod already counted on it (Running, Ready, IPs) change nothing a decision reads:
    // spec, labels, deletion and whether it has finished are as before (so the counted PodInfo keeps the phase it was
    // bound with; only IsTerminated is read of it). Parsing the pod again for them was ~2 % of the server's CPU. Labels
    // and spec are compared as serialized bytes, which reads the parsed JSON without building a node of either tree
    // (DeepEquals built both whole: 2.5 % of the server's allocation); unequal bytes take the full path.
    private bool ChangesNothingScheduled(JsonObject old, JsonObject obj)
    {
        var node = JsonAccess.AsString(obj["spec"]?["nodeName"]);
        if (string.IsNullOrEmpty(node) || JsonAccess.AsString(old["spec"]?["nodeName"]) != node)
        {
            return false;
        }

        var uid = obj.GetUid();
        return Cache.NodeOf(uid) == node && !Cache.IsAssumed(uid)
            && Terminal(old) == Terminal(obj)
            && old.IsBeingDeleted() == obj.IsBeingDeleted()
            && JsonText.Same(old["metadata"]?["labels"], obj["metadata"]?["labels"])
            && JsonText.Same(old["spec"], obj["spec"]);
    }

    public void OnPodDelete(JsonObject obj)
    {
        var uid = obj.GetUid();
        Queue.Delete(obj.GetKey());
        Nominated.Remove(uid);
        _recorder.Forget(uid);
        if (Cache.RemovePod(uid))
        {
            Queue.MoveAllToActiveOrBackoff();
        }
    }

    private void OnPod(PodInfo pod)
    {
        if (pod.IsAssigned)
        {
            Queue.Delete(pod.Key);
            Nominated.Remove(pod.Uid);
            if (Cache.AddOrUpdatePod(pod))
            {
                Queue.MoveAllToActiveOrBackoff();
            }

            return;
        }

        if (pod.IsTerminated && Cache.RemovePod(pod.Uid))
        {
            Queue.MoveAllToActiveOrBackoff();
        }

        if (Cache.IsAssumed(pod.Uid))
        {
            // Decided and being bound; the binder settles it either way.
            return;
        }

        if (!_frameworks.ContainsKey(pod.SchedulerName) || pod.IsDeleting || pod.IsTerminated)
        {
            Queue.Delete(pod.Key);
            Nominated.Remove(pod.Uid);
            return;
        }

        Nominated.Update(pod, pod.NominatedNodeName);

        if (pod.IsSchedulingGated)
        {
            // kube-scheduler's SchedulingGates: not queued until the gates are gone (the update that removes them queues it).
            Queue.Delete(pod.Key);
            _recorder.RecordGated(pod);
            return;
        }

        Queue.Update(pod);
    }

    public void OnNodeAdd(JsonObject node)
    {
        Cache.AddOrUpdateNode(node);
        Queue.MoveAllToActiveOrBackoff();
    }

    public void OnNodeUpdate(JsonObject old, JsonObject node)
    {
        if (Cache.AddOrUpdateNode(node, old))
        {
            Queue.MoveAllToActiveOrBackoff();
        }
    }

    public void OnNodeDelete(JsonObject node) => Cache.RemoveNode(node.GetName());

    /// <summary>Namespace labels, for pod affinity terms with a namespaceSelector.</summary>
    public void OnNamespace(JsonObject ns)
    {
        _namespaceLabels[ns.GetName()] = Capstan.Api.Selectors.LabelSelector.ToDictionary(ns["metadata"]?["labels"] as JsonObject);
        Queue.MoveAllToActiveOrBackoff();
    }

    public void OnNamespaceDelete(JsonObject ns) => _namespaceLabels.TryRemove(ns.GetName(), out _);

    public void Dispose()
    {
        Queue.Dispose();
    }
}
