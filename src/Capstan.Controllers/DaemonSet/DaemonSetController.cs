using System.Globalization;
using System.Text.Json.Nodes;
using Capstan.Api.Selectors;
using Capstan.Api.Validation;
using Capstan.Client.Cache;
using Capstan.Client.Dynamic;
using Capstan.Client.Informers;
using Capstan.Client.Reconciling;
using Capstan.Controllers.Events;
using Capstan.Controllers.Expectations;
using Capstan.Controllers.Ownership;
using Capstan.Controllers.Pods;
using Capstan.Controllers.Resources;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Capstan.Controllers.DaemonSet;

/// <summary>
/// Kubernetes' DaemonSet controller: one pod per node the template is eligible for (nodeSelector, required node affinity,
/// tolerated taints), pinned there by a matchFields node affinity term; pods on nodes that no longer qualify, duplicates
/// and failed pods are deleted. The template history is kept as ControllerRevisions; RollingUpdate replaces pods of older
/// revisions node by node within maxUnavailable, OnDelete only when the user deletes them. Reports the status counts
/// kubectl rollout status reads.
/// </summary>
public sealed partial class DaemonSetController : Controller
{
    public const string Component = "daemonset-controller";

    private readonly DynamicClient _client;
    private readonly IKubernetes _kube;
    private readonly DynamicInformer _daemonSets;
    private readonly DynamicInformer _pods;
    private readonly DynamicInformer _nodes;
    private readonly DynamicInformer _revisions;
    private readonly ControllerExpectations _expectations;
    private readonly EventRecorder _events;
    private readonly ILogger _logger;

    public DaemonSetController(SharedInformerFactory informers, ILoggerFactory loggerFactory, int workers = 2, TimeProvider? time = null)
        : base(Component, workers, loggerFactory.CreateLogger<DaemonSetController>(), time)
    {
        _client = informers.Client;
        _kube = informers.Client.Kubernetes;
        _logger = loggerFactory.CreateLogger<DaemonSetController>();
        _expectations = new ControllerExpectations(Time);
        _events = new EventRecorder(_kube, Component, _logger, Time);
        _daemonSets = informers.For(DaemonSetResources.DaemonSets);
        _pods = informers.For(KnownResources.Pods);
        _nodes = informers.For(KnownResources.Nodes);
        _revisions = informers.For(DaemonSetResources.ControllerRevisions);
        _daemonSets.AddEventHandler(new ResourceEventHandler
        {
            OnAdd = ds => Queue.Add(ds.GetKey()),
            OnUpdate = (_, ds) => Queue.Add(ds.GetKey()),
            OnDelete = ds =>
            {
                _expectations.Delete(ds.GetKey());
                Queue.Add(ds.GetKey());
            },
        });
        _pods.AddEventHandler(new ResourceEventHandler
        {
            OnAdd = pod =>
            {
                if (Owner(pod) is { } key)
                {
                    if (pod.IsBeingDeleted())
                    {
                        _expectations.DeletionObserved(key, pod.GetKey());
                    }
                    else
                    {
                        _expectations.CreationObserved(key);
                    }

                    Queue.Add(key);
                }
            },
            OnUpdate = (old, pod) =>
            {
                if (Owner(pod) is { } key)
                {
                    if (pod.IsBeingDeleted() && !old.IsBeingDeleted())
                    {
                        _expectations.DeletionObserved(key, pod.GetKey());
                    }

                    Queue.Add(key);
                    var minReady = (_daemonSets.Cache.Get(key)?["spec"] as JsonObject)?.Long("minReadySeconds") ?? 0;
                    if (minReady > 0 && !PodFacts.IsReady(old) && PodFacts.IsReady(pod))
                    {
                        Queue.AddAfter(key, TimeSpan.FromSeconds(minReady) + TimeSpan.FromSeconds(1));
                    }
                }
            },
            OnDelete = pod =>
            {
                if (Owner(pod) is { } key)
                {
                    _expectations.DeletionObserved(key, pod.GetKey());
                    Queue.Add(key);
                }
            },
        });

        // Any node change can change where daemons belong: look at every DaemonSet again.
        _nodes.AddEventHandler(new ResourceEventHandler
        {
            OnAdd = _ => EnqueueAll(),
            OnUpdate = (old, node) =>
            {
                if (!JsonNode.DeepEquals(old["metadata"]?["labels"], node["metadata"]?["labels"]) || !JsonNode.DeepEquals(old["spec"], node["spec"]))
                {
                    EnqueueAll();
                }
            },
            OnDelete = _ => EnqueueAll(),
        });
    }

    protected override IReadOnlyCollection<DynamicInformer> Informers => [_daemonSets, _pods, _nodes, _revisions];

    protected override async Task<ReconcileResult> ReconcileAsync(string key, CancellationToken ct)
    {
        var ds = _daemonSets.Cache.Get(key);
        if (ds is null)
        {
            _expectations.Delete(key);
            return ReconcileResult.Done;
        }

        var spec = ds["spec"] as JsonObject ?? new JsonObject();
        if (!LabelSelector.TryFromObject(spec["selector"], out var selector, out var selectorError))
        {
            _events.Warning(ds, "InvalidSelector", $"invalid selector: {selectorError}");
            return ReconcileResult.Done;
        }

        if (ds.IsBeingDeleted())
        {
            return ReconcileResult.Done;
        }

        var hash = DaemonSetRevisions.Hash(ds);
        await EnsureRevisionAsync(ds, hash, ct).ConfigureAwait(false);

        var candidates = _pods.Cache.ByIndex(IndexedCache.NamespaceIndex, ds.GetNamespace()).Where(p => !p.IsBeingDeleted());
        var manager = new ControllerRefManager(ds, selector, (ns, name, body, token) =>
            _kube.CoreV1.PatchNamespacedPodAsync(new V1Patch(body.ToJsonString(), V1Patch.PatchType.MergePatch), name, ns, cancellationToken: token));
        var pods = await manager.ClaimAsync(candidates, ct).ConfigureAwait(false);
        var byNode = pods.GroupBy(DaemonPods.TargetNode).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var templateSpec = spec["template"]?["spec"] as JsonObject ?? new JsonObject();
        var now = Time.GetUtcNow();
        var minReady = spec.Long("minReadySeconds") ?? 0;

        // A daemon still shutting down keeps its node's replacement waiting (host ports and paths are often exclusive).
        var uid = ds.GetUid();
        var terminating = _pods.Cache.ByIndex(IndexedCache.NamespaceIndex, ds.GetNamespace())
            .Where(p => p.IsBeingDeleted() && ControllerRefs.ControllerOf(p)?.Uid == uid)
            .Select(DaemonPods.TargetNode)
            .ToHashSet(StringComparer.Ordinal);
        var plan = new DaemonSetPlan();
        foreach (var node in _nodes.Cache.List())
        {
            var name = node.GetName();
            var (shouldRun, shouldContinue) = NodeEligibility.Evaluate(node, templateSpec);
            var onNode = byNode.GetValueOrDefault(name) ?? [];
            byNode.Remove(name);
            plan.Nodes.Add(new NodeState(name, shouldRun, shouldContinue, onNode, terminating.Contains(name)));
        }

        // Pods for nodes that no longer exist (or name none) have nowhere to run.
        foreach (var orphaned in byNode.Values)
        {
            plan.Delete.AddRange(orphaned);
        }

        Plan(plan, hash, Budget(ds, plan.Nodes.Count(n => n.ShouldRun)), minReady, now);

        Exception? error = null;
        if (_expectations.Satisfied(key))
        {
            error = await ManageAsync(ds, key, plan, hash, ct).ConfigureAwait(false);
        }

        await TruncateHistoryAsync(ds, hash, pods, ct).ConfigureAwait(false);
        var status = Status(ds, plan.Nodes, hash, minReady, now);
        await UpdateStatusAsync(ds, status, ct).ConfigureAwait(false);
        if (error is not null)
        {
            throw error;
        }

        if (minReady > 0 && (status.Long("numberReady") ?? 0) != (status.Long("numberAvailable") ?? 0))
        {
            return ReconcileResult.After(TimeSpan.FromSeconds(minReady));
        }

        return ReconcileResult.Done;
    }

    /// <summary>
    /// Fills in what to create and delete: daemons where missing (not while one is still terminating there), failed,
    /// duplicate and misplaced pods, and pods of older revisions. Without surge an old pod is deleted while fewer than
    /// maxUnavailable daemons are unavailable and its replacement is created afterwards; with maxSurge the replacement is
    /// created next to it first (at most maxSurge nodes at a time) and the old pod deleted once the new one is available.
    /// </summary>
    internal static void Plan(DaemonSetPlan plan, string hash, RollingBudget? rolling, long minReady, DateTimeOffset now)
    {
        var numberUnavailable = 0;
        var surging = 0;
        var oldAvailable = new List<JsonObject>();
        var surgeCandidates = new List<string>();
        var maxSurge = rolling?.MaxSurge ?? 0;
        foreach (var node in plan.Nodes)
        {
            var pods = node.Pods;
            if (!node.ShouldRun)
            {
                // Tolerated NoExecute but not NoSchedule: an existing daemon may stay, only failed ones go.
                plan.Delete.AddRange(node.ShouldContinueRunning ? pods.Where(PodFacts.IsTerminal) : pods);
                continue;
            }

            var failed = pods.Where(PodFacts.IsTerminal).ToList();
            plan.Delete.AddRange(failed);
            var live = pods.Except(failed).OrderBy(p => Timestamps.CreationTime(p) ?? DateTimeOffset.MaxValue).ThenBy(p => p.GetName(), StringComparer.Ordinal).ToList();
            if (live.Count == 0)
            {
                if (!node.Terminating)
                {
                    plan.CreateOn.Add(node.Name);
                }

                numberUnavailable++;
                continue;
            }

            if (rolling is null)
            {
                // OnDelete: whatever revision runs stays; only duplicates go, the oldest kept.
                plan.Delete.AddRange(live.Skip(1));
                if (!PodFacts.IsAvailable(live[0], minReady, now))
                {
                    numberUnavailable++;
                }

                continue;
            }

            var fresh = live.Where(p => DaemonPods.Hash(p) == hash).ToList();
            var old = live.Where(p => DaemonPods.Hash(p) != hash).ToList();
            if (fresh.Count > 0)
            {
                plan.Delete.AddRange(fresh.Skip(1));
                var freshAvailable = PodFacts.IsAvailable(fresh[0], minReady, now);
                if (old.Count > 0 && (freshAvailable || maxSurge == 0))
                {
                    plan.Delete.AddRange(old);
                }
                else if (old.Count > 0)
                {
                    surging++;
                }

                if (!freshAvailable && !(maxSurge > 0 && old.Any(p => PodFacts.IsAvailable(p, minReady, now))))
                {
                    numberUnavailable++;
                }

                continue;
            }

            plan.Delete.AddRange(old.Skip(1));
            var daemon = old[0];
            if (!PodFacts.IsAvailable(daemon, minReady, now))
            {
                // Replacing a pod that is not serving costs no availability.
                numberUnavailable++;
                if (maxSurge > 0)
                {
                    plan.CreateOn.Add(node.Name);
                }
                else
                {
                    plan.Delete.Add(daemon);
                }
            }
            else if (maxSurge > 0)
            {
                surgeCandidates.Add(node.Name);
            }
            else
            {
                oldAvailable.Add(daemon);
            }
        }

        foreach (var pod in oldAvailable.OrderBy(p => p.GetName(), StringComparer.Ordinal))
        {
            if (numberUnavailable >= rolling!.MaxUnavailable)
            {
                break;
            }

            plan.Delete.Add(pod);
            numberUnavailable++;
        }

        foreach (var name in surgeCandidates)
        {
            if (surging >= maxSurge)
            {
                break;
            }

            plan.CreateOn.Add(name);
            surging++;
        }
    }

    /// <summary>The rolling update's budget: maxUnavailable and maxSurge resolved against the desired number of daemons.</summary>
    internal static RollingBudget? Budget(JsonObject ds, int desired)
    {
        var strategy = ds["spec"]?["updateStrategy"] as JsonObject;
        if (strategy?.StrOrEmpty("type") is not (null or "" or "RollingUpdate"))
        {
            return null;
        }

        var maxSurge = Resolve(strategy?["rollingUpdate"]?["maxSurge"], desired, 0);
        var maxUnavailable = Resolve(strategy?["rollingUpdate"]?["maxUnavailable"], desired, 1);
        return new RollingBudget(maxSurge > 0 ? maxUnavailable : Math.Max(maxUnavailable, 1), maxSurge);
    }

    /// <summary>maxUnavailable of the rolling update with no surge: an absolute number or a percentage of the desired pods rounded up, at least one.</summary>
    internal static int MaxUnavailable(JsonObject ds, int desired) => Math.Max(Resolve(ds["spec"]?["updateStrategy"]?["rollingUpdate"]?["maxUnavailable"], desired, 1), 1);

    private static int Resolve(JsonNode? node, int desired, int fallback)
    {
        if (JsonAccess.AsLong(node) is { } n)
        {
            return (int)n;
        }

        if (JsonAccess.AsString(node) is { } s && s.EndsWith('%') &&
            int.TryParse(s.AsSpan(0, s.Length - 1), NumberStyles.Integer, CultureInfo.InvariantCulture, out var percent))
        {
            return (int)Math.Ceiling(desired * percent / 100.0);
        }

        return fallback;
    }

    private async Task<Exception?> ManageAsync(JsonObject ds, string key, DaemonSetPlan plan, string hash, CancellationToken ct)
    {
        var deletes = plan.Delete.DistinctBy(p => p.GetUid()).ToList();
        if (plan.CreateOn.Count > 0)
        {
            _expectations.ExpectCreations(key, plan.CreateOn.Count);
        }

        if (deletes.Count > 0)
        {
            _expectations.ExpectDeletions(key, deletes.Select(p => p.GetKey()));
        }

        if (plan.CreateOn.Count + deletes.Count > 0)
        {
            LogSync(key, plan.CreateOn.Count, deletes.Count);
        }

        var tasks = plan.CreateOn.Select(n => CreatePodAsync(ds, key, n, hash, ct)).Concat(deletes.Select(p => DeletePodAsync(ds, key, p, ct)));
        var results = await Task.WhenAll(tasks).ConfigureAwait(false);
        return results.FirstOrDefault(e => e is not null);
    }

    private async Task<Exception?> CreatePodAsync(JsonObject ds, string key, string nodeName, string hash, CancellationToken ct)
    {
        var pod = KubernetesJson.Deserialize<V1Pod>(DaemonPods.Build(ds, nodeName, hash).ToJsonString());
        try
        {
            var created = await _kube.CoreV1.CreateNamespacedPodAsync(pod, ds.GetNamespace(), cancellationToken: ct).ConfigureAwait(false);
            _events.Normal(ds, "SuccessfulCreate", $"Created pod: {created.Metadata.Name}");
            return null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _expectations.CreationObserved(key);
            if (ex is HttpOperationException http && http.Response.Content.Contains("because it is being terminated", StringComparison.Ordinal))
            {
                return null;
            }

            _events.Warning(ds, "FailedCreate", $"Error creating: {ex.Message}");
            return ex;
        }
    }

    private Task<Exception?> DeletePodAsync(JsonObject ds, string key, JsonObject pod, CancellationToken ct) =>
        OwnedPodDeletion.DeleteAsync(_client, _events, _expectations, ds, key, pod, static ex => ex.Message, ct);

    /// <summary>
    /// Makes sure a ControllerRevision records the current template with the highest revision number: created one above the
    /// previous highest, or renumbered when an older template comes back (a rollback).
    /// </summary>
    private async Task EnsureRevisionAsync(JsonObject ds, string hash, CancellationToken ct)
    {
        var uid = ds.GetUid();
        var owned = _revisions.Cache.ByIndex(IndexedCache.NamespaceIndex, ds.GetNamespace())
            .Where(r => ControllerRefs.ControllerOf(r)?.Uid == uid)
            .ToList();
        var max = owned.Count == 0 ? 0 : owned.Max(DaemonSetRevisions.Revision);
        var name = DaemonSetRevisions.Name(ds, hash);
        var current = owned.FirstOrDefault(r => r.GetName() == name);
        if (current is null)
        {
            var body = DaemonSetRevisions.Build(ds, hash, max + 1);
            try
            {
                var revision = KubernetesJson.Deserialize<V1ControllerRevision>(body.ToJsonString());
                await _kube.AppsV1.CreateNamespacedControllerRevisionAsync(revision, ds.GetNamespace(), cancellationToken: ct).ConfigureAwait(false);
            }
            catch (HttpOperationException ex) when (ex.Response.StatusCode == System.Net.HttpStatusCode.Conflict)
            {
                // Created by an earlier sync the cache has not seen yet.
            }

            return;
        }

        if (DaemonSetRevisions.Revision(current) < max)
        {
            var copy = current.DeepCopy();
            copy["revision"] = max + 1;
            await _client.UpdateAsync(DaemonSetResources.ControllerRevisions, copy, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Deletes the oldest revisions beyond revisionHistoryLimit (default 10), never the current one or one a live pod still runs.</summary>
    private async Task TruncateHistoryAsync(JsonObject ds, string hash, List<JsonObject> pods, CancellationToken ct)
    {
        var limit = (ds["spec"] as JsonObject)?.Long("revisionHistoryLimit") ?? 10;
        var uid = ds.GetUid();
        var current = DaemonSetRevisions.Name(ds, hash);
        var inUse = pods.Select(DaemonPods.Hash).ToHashSet(StringComparer.Ordinal);
        var old = _revisions.Cache.ByIndex(IndexedCache.NamespaceIndex, ds.GetNamespace())
            .Where(r => ControllerRefs.ControllerOf(r)?.Uid == uid && r.GetName() != current)
            .Where(r => !inUse.Contains((r["metadata"]?["labels"] as JsonObject)?.StrOrEmpty(DaemonPods.RevisionHashLabel) ?? ""))
            .OrderBy(DaemonSetRevisions.Revision)
            .ToList();
        foreach (var revision in old.Take(Math.Max(0, old.Count - (int)limit)))
        {
            await _client.DeleteAsync(DaemonSetResources.ControllerRevisions, revision.GetNamespace(), revision.GetName(), new DeleteOptions { PreconditionUid = revision.GetUid() }, ct).ConfigureAwait(false);
        }
    }

    private static JsonObject Status(JsonObject ds, IReadOnlyList<NodeState> nodes, string hash, long minReady, DateTimeOffset now)
    {
        int desired = 0, current = 0, misscheduled = 0, ready = 0, available = 0, updated = 0;
        foreach (var node in nodes)
        {
            var live = node.Pods.Where(p => !PodFacts.IsTerminal(p)).ToList();
            if (node.ShouldRun)
            {
                desired++;
                if (live.Count > 0)
                {
                    current++;
                    var daemon = live.OrderBy(p => Timestamps.CreationTime(p) ?? DateTimeOffset.MaxValue).First();
                    if (PodFacts.IsReady(daemon))
                    {
                        ready++;
                        if (PodFacts.IsAvailable(daemon, minReady, now))
                        {
                            available++;
                        }
                    }

                    if (DaemonPods.Hash(daemon) == hash)
                    {
                        updated++;
                    }
                }
            }
            else if (live.Count > 0)
            {
                misscheduled++;
            }
        }

        var status = (ds["status"] as JsonObject)?.DeepCopy() ?? new JsonObject();
        status["currentNumberScheduled"] = current;
        status["numberMisscheduled"] = misscheduled;
        status["desiredNumberScheduled"] = desired;
        status["numberReady"] = ready;
        status["numberAvailable"] = available;
        status["numberUnavailable"] = desired - available;
        status["updatedNumberScheduled"] = updated;
        status["observedGeneration"] = ds["metadata"]?["generation"]?.DeepClone();
        return status;
    }

    private Task UpdateStatusAsync(JsonObject ds, JsonObject status, CancellationToken ct) =>
        StatusDiff.WriteIfChangedAsync(_client, DaemonSetResources.DaemonSets, ds, status, ct);

    /// <summary>The key of the DaemonSet that controls the pod, when it is one we know (same uid).</summary>
    private string? Owner(JsonObject pod)
    {
        if (ControllerRefs.ControllerOf(pod) is not { Kind: "DaemonSet", Group: "apps" } controller)
        {
            return null;
        }

        var key = $"{pod.GetNamespace()}/{controller.Name}";
        return _daemonSets.Cache.Get(key) is { } ds && ds.GetUid() == controller.Uid ? key : null;
    }

    private void EnqueueAll()
    {
        foreach (var key in _daemonSets.Cache.ListKeys())
        {
            Queue.Add(key);
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "DaemonSet {Key}: creating {Creates} and deleting {Deletes} pods")]
    private partial void LogSync(string key, int creates, int deletes);
}
