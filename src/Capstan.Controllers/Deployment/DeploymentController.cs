using System.Text.Json.Nodes;
using Capstan.Api.Selectors;
using Capstan.Api.Validation;
using Capstan.Client.Cache;
using Capstan.Client.Dynamic;
using Capstan.Client.Informers;
using Capstan.Client.Reconciling;
using Capstan.Controllers.Events;
using Capstan.Controllers.Ownership;
using Capstan.Controllers.Pods;
using Capstan.Controllers.Resources;
using Capstan.Controllers.Scaling;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Capstan.Controllers.Deployment;

/// <summary>
/// The Deployment controller (first version): keeps one ReplicaSet per pod template, named
/// &lt;deployment&gt;-&lt;pod-template-hash&gt;, and moves replicas from the old ones to the new one: for Recreate all old
/// pods go first, for RollingUpdate within maxSurge and maxUnavailable. Adopts matching orphan ReplicaSets, keeps the
/// revision annotations, and reports status with the Available and Progressing conditions kubectl rollout status reads.
/// </summary>
public sealed partial class DeploymentController : Controller
{
    public const string Component = "deployment-controller";
    public const string RevisionAnnotation = "deployment.kubernetes.io/revision";
    public const string DesiredReplicasAnnotation = "deployment.kubernetes.io/desired-replicas";
    public const string MaxReplicasAnnotation = "deployment.kubernetes.io/max-replicas";

    // Annotations of the Deployment that are not copied onto its ReplicaSets (Kubernetes' skipCopyAnnotation).
    private static readonly HashSet<string> NotCopied =
    [
        "kubectl.kubernetes.io/last-applied-configuration", RevisionAnnotation, "deployment.kubernetes.io/revision-history",
        DesiredReplicasAnnotation, MaxReplicasAnnotation, "deprecated.deployment.rollback.to",
        AutoRollback.EnabledAnnotation, AutoRollback.MaxRestartsAnnotation, AutoRollback.RolledBackToAnnotation,

        // kubectl rollout undo copies a ReplicaSet's annotations onto the Deployment: a failed mark must not spread back.
        AutoRollback.FailedAnnotation,
    ];

    public const string ChangeCauseAnnotation = "kubernetes.io/change-cause";

    public const string RevisionHistoryAnnotation = "deployment.kubernetes.io/revision-history";

    private readonly DynamicClient _client;
    private readonly IKubernetes _kube;
    private readonly DynamicInformer _deployments;
    private readonly DynamicInformer _replicaSets;
    private readonly DynamicInformer _pods;
    private readonly EventRecorder _events;
    private readonly bool _autoRollbackByDefault;

    /// <param name="autoRollbackByDefault">Automatic rollback for every Deployment without a capstan.io/rollback-on-failure annotation.</param>
    public DeploymentController(SharedInformerFactory informers, ILoggerFactory loggerFactory, int workers = 5, TimeProvider? time = null, bool autoRollbackByDefault = false)
        : base(Component, workers, loggerFactory.CreateLogger<DeploymentController>(), time)
    {
        _autoRollbackByDefault = autoRollbackByDefault;
        _client = informers.Client;
        _kube = informers.Client.Kubernetes;
        _events = new EventRecorder(_kube, Component, loggerFactory.CreateLogger<DeploymentController>(), Time);
        _deployments = informers.For(KnownResources.Deployments);
        _replicaSets = informers.For(KnownResources.ReplicaSets);
        _pods = informers.For(KnownResources.Pods);
        _pods.AddEventHandler(new ResourceEventHandler
        {
            // Restarts do not change a ReplicaSet's status: automatic rollback watches them on the pods.
            OnUpdate = (old, pod) =>
            {
                if (AutoRollback.Restarts(pod) > AutoRollback.Restarts(old))
                {
                    PodChanged(pod);
                }
            },

            // Recreate waits for the last old pod to be gone, which no ReplicaSet status change announces.
            OnDelete = PodChanged,
        });
        _deployments.AddEventHandler(new ResourceEventHandler
        {
            OnAdd = d => Queue.Add(d.GetKey()),
            OnUpdate = (_, d) => Queue.Add(d.GetKey()),
            OnDelete = d => Queue.Add(d.GetKey()),
        });
        _replicaSets.AddEventHandler(new ResourceEventHandler
        {
            OnAdd = ReplicaSetChanged,
            OnUpdate = (old, rs) =>
            {
                if (ControllerRefs.ControllerOf(old) is { } before && before.Uid != ControllerRefs.ControllerOf(rs)?.Uid)
                {
                    ReplicaSetChanged(old);
                }

                ReplicaSetChanged(rs);
            },
            OnDelete = ReplicaSetChanged,
        });
    }

    protected override IReadOnlyCollection<DynamicInformer> Informers => [_deployments, _replicaSets, _pods];

    protected override async Task<ReconcileResult> ReconcileAsync(string key, CancellationToken ct)
    {
        var d = _deployments.Cache.Get(key);
        if (d is null)
        {
            return ReconcileResult.Done;
        }

        var spec = d["spec"] as JsonObject ?? new JsonObject();
        if (!LabelSelector.TryFromObject(spec["selector"], out var selector, out _) || selector.IsEmpty)
        {
            _events.Warning(d, "SelectingAll", "This deployment is selecting all pods. A non-empty selector is required.");
            return ReconcileResult.Done;
        }

        var manager = new ControllerRefManager(d, selector, (ns, name, body, token) =>
            _kube.AppsV1.PatchNamespacedReplicaSetAsync(new V1Patch(body.ToJsonString(), V1Patch.PatchType.MergePatch), name, ns, cancellationToken: token));
        var owned = await manager.ClaimAsync(_replicaSets.Cache.ByIndex(IndexedCache.NamespaceIndex, d.GetNamespace()), ct).ConfigureAwait(false);
        var rollout = new Rollout(d, owned);
        if (d.IsBeingDeleted())
        {
            await UpdateStatusAsync(rollout, null, ct).ConfigureAwait(false);
            return ReconcileResult.Done;
        }

        // Paused, or a change of spec.replicas alone: scale (proportionally) without rolling, as Kubernetes' sync does.
        var paused = spec.Bool("paused") == true;
        if (paused || IsScalingEvent(rollout))
        {
            rollout.FindNew();
            await ScaleProportionallyAsync(rollout, ct).ConfigureAwait(false);
            if (paused)
            {
                await CleanupHistoryAsync(rollout, ct).ConfigureAwait(false);
            }

            return await UpdateStatusAsync(rollout, null, ct).ConfigureAwait(false);
        }

        string? progress = null;
        var newRs = rollout.FindNew();
        var recreate = (spec["strategy"] as JsonObject)?.StrOrEmpty("type") == "Recreate";
        if (newRs is null)
        {
            // Recreate: the new ReplicaSet waits until every old pod is gone.
            if (recreate && await ScaleDownAllOldAsync(rollout, ct).ConfigureAwait(false))
            {
                await UpdateStatusAsync(rollout, null, ct).ConfigureAwait(false);
                return ReconcileResult.Done;
            }

            newRs = await CreateNewAsync(rollout, recreate, ct).ConfigureAwait(false);
            if (newRs is null)
            {
                return ReconcileResult.Done;
            }

            progress = $"Created new replica set \"{newRs.GetName()}\"";
        }
        else
        {
            newRs = await SyncNewAnnotationsAsync(rollout, newRs, ct).ConfigureAwait(false);
            if (DeploymentConditions.Find(rollout.Conditions, DeploymentConditions.Progressing) is null)
            {
                progress = $"Found new replica set \"{newRs.GetName()}\"";
            }
        }

        await SyncRevisionAsync(d, newRs, ct).ConfigureAwait(false);
        if (recreate)
        {
            if (!await ScaleDownAllOldAsync(rollout, ct).ConfigureAwait(false))
            {
                await ScaleAsync(rollout, newRs, rollout.Desired, ct).ConfigureAwait(false);
            }
        }
        else
        {
            await RollAsync(rollout, ct).ConfigureAwait(false);
        }

        newRs = rollout.New!;
        if (rollout.All.All(rs => ReferenceEquals(rs, newRs) || Replicas(rs) == 0) && Replicas(newRs) == rollout.Desired
            && StatusCount(newRs, "availableReplicas") == rollout.Desired)
        {
            await CleanupHistoryAsync(rollout, ct).ConfigureAwait(false);
            if (AnnotationsOf(newRs).ContainsKey(AutoRollback.FailedAnnotation))
            {
                // Deployed again on purpose and now fully available: a good revision again, a rollback target again.
                var patch = new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { [AutoRollback.FailedAnnotation] = null } } };
                await _kube.AppsV1.PatchNamespacedReplicaSetAsync(new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch), newRs.GetName(), newRs.GetNamespace(), cancellationToken: ct).ConfigureAwait(false);
            }
        }

        var result = await UpdateStatusAsync(rollout, progress, ct).ConfigureAwait(false);
        if (AutoRollback.IsEnabled(d, _autoRollbackByDefault))
        {
            return await CheckRollbackAsync(rollout, newRs, result, ct).ConfigureAwait(false);
        }

        return result;
    }

    /// <summary>One rolling step: scale the new ReplicaSet up within maxSurge, else the old ones down within maxUnavailable.</summary>
    private async Task RollAsync(Rollout rollout, CancellationToken ct)
    {
        var newRs = rollout.New!;
        var newReplicas = Replicas(newRs);
        var target = newReplicas > rollout.Desired
            ? rollout.Desired
            : RolloutPlan.NewReplicaSetReplicas(rollout.Desired, rollout.MaxSurge, newReplicas, rollout.All.Select(View));
        if (target != newReplicas)
        {
            await ScaleAsync(rollout, newRs, target, ct).ConfigureAwait(false);
            return;
        }

        var plan = RolloutPlan.ScaleDownOld(rollout.Desired, rollout.MaxUnavailable, View(newRs), [.. rollout.Old.Select(View)]);
        foreach (var (name, replicas) in plan)
        {
            await ScaleAsync(rollout, rollout.Old.First(r => r.GetName() == name), replicas, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Scales every old ReplicaSet to 0; true while any old pod still runs, terminating ones included (Recreate waits for them).</summary>
    private async Task<bool> ScaleDownAllOldAsync(Rollout rollout, CancellationToken ct)
    {
        foreach (var rs in rollout.Old.ToList())
        {
            if (Replicas(rs) != 0)
            {
                await ScaleAsync(rollout, rs, 0, ct).ConfigureAwait(false);
            }
        }

        if (rollout.Old.Any(rs => ((rs["status"] as JsonObject)?.Long("replicas") ?? 0) > 0))
        {
            return true;
        }

        // Kubernetes' oldPodsRunning: terminating old pods (no longer in status.replicas) still hold the old version.
        var oldUids = rollout.Old.Select(rs => rs.GetUid()).ToHashSet(StringComparer.Ordinal);
        return _pods.Cache.ByIndex(IndexedCache.NamespaceIndex, rollout.Deployment.GetNamespace()).Any(p =>
            ControllerRefs.ControllerOf(p)?.Uid is { } owner && oldUids.Contains(owner)
            && p["status"]?["phase"]?.GetValue<string>() is not ("Failed" or "Succeeded"));
    }

    private async Task<JsonObject?> CreateNewAsync(Rollout rollout, bool recreate, CancellationToken ct)
    {
        var d = rollout.Deployment;
        var hash = PodTemplateHash.Compute(rollout.Template, rollout.CollisionCount);
        var replicas = recreate
            ? rollout.Desired
            : RolloutPlan.NewReplicaSetReplicas(rollout.Desired, rollout.MaxSurge, 0, rollout.All.Select(View));
        var rs = BuildReplicaSet(rollout, hash, replicas);
        try
        {
            var created = await _kube.AppsV1.CreateNamespacedReplicaSetAsync(KubernetesJson.Deserialize<V1ReplicaSet>(rs.ToJsonString()), d.GetNamespace(), cancellationToken: ct).ConfigureAwait(false);
            var json = (JsonObject)JsonNode.Parse(KubernetesJson.Serialize(created))!;
            json["apiVersion"] = "apps/v1";
            json["kind"] = "ReplicaSet";
            if (replicas > 0)
            {
                _events.Normal(d, "ScalingReplicaSet", $"Scaled up replica set {created.Metadata.Name} from 0 to {replicas}");
            }

            rollout.SetNew(json);
            return json;
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == System.Net.HttpStatusCode.Conflict)
        {
            // A ReplicaSet of that name exists: ours with this template (our cache lags: the next pass finds it), or a
            // hash collision, which a new collisionCount (a new hash) resolves.
            var name = rs["metadata"]!["name"]!.GetValue<string>();
            var existing = await _client.GetAsync(KnownResources.ReplicaSets, d.GetNamespace(), name, ct).ConfigureAwait(false);
            if (existing is not null && ControllerRefs.ControllerOf(existing)?.Uid == d.GetUid() && Rollout.SameTemplate(existing, rollout.Template))
            {
                throw new InvalidOperationException($"ReplicaSet {name} exists but is not in the cache yet", ex);
            }

            var copy = d.DeepCopy();
            var status = copy["status"] as JsonObject ?? new JsonObject();
            copy["status"] = status;
            status["collisionCount"] = (rollout.CollisionCount ?? 0) + 1;
            await _client.UpdateStatusAsync(KnownResources.Deployments, copy, ct).ConfigureAwait(false);
            throw new InvalidOperationException($"hash collision on ReplicaSet {name}; retrying with collisionCount {(rollout.CollisionCount ?? 0) + 1}", ex);
        }
    }

    private JsonObject BuildReplicaSet(Rollout rollout, string hash, int replicas)
    {
        var d = rollout.Deployment;
        var template = rollout.Template.DeepCopy();
        var templateMeta = template.EnsureObj("metadata");
        var labels = templateMeta["labels"] as JsonObject ?? new JsonObject();
        labels[PodTemplateHash.Label] = hash;
        templateMeta["labels"] = labels;
        var selector = (d["spec"]?["selector"] as JsonObject)?.DeepCopy() ?? new JsonObject();
        var matchLabels = selector["matchLabels"] as JsonObject ?? new JsonObject();
        matchLabels[PodTemplateHash.Label] = hash;
        selector["matchLabels"] = matchLabels;
        var annotations = new JsonObject();
        foreach (var (k, v) in (d["metadata"] as JsonObject)?.StringMap("annotations") ?? [])
        {
            if (!NotCopied.Contains(k))
            {
                annotations[k] = v;
            }
        }

        annotations[RevisionAnnotation] = (rollout.MaxOldRevision + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        annotations[DesiredReplicasAnnotation] = rollout.Desired.ToString(System.Globalization.CultureInfo.InvariantCulture);
        annotations[MaxReplicasAnnotation] = (rollout.Desired + rollout.MaxSurge).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var spec = new JsonObject
        {
            ["replicas"] = replicas,
            ["selector"] = selector,
            ["template"] = template,
        };
        if ((d["spec"] as JsonObject)?.Long("minReadySeconds") is { } minReady)
        {
            spec["minReadySeconds"] = minReady;
        }

        return new JsonObject
        {
            ["apiVersion"] = "apps/v1",
            ["kind"] = "ReplicaSet",
            ["metadata"] = new JsonObject
            {
                ["name"] = $"{d.GetName()}-{hash}",
                ["namespace"] = d.GetNamespace(),
                ["labels"] = labels.DeepClone(),
                ["annotations"] = annotations,
                ["ownerReferences"] = new JsonArray(ControllerRefs.For(d)),
            },
            ["spec"] = spec,
        };
    }

    /// <summary>
    /// An existing new ReplicaSet takes the next revision when it is re-used (an undo; the revision it had joins its
    /// revision-history annotation), follows minReadySeconds, and carries the Deployment's annotations (the change-cause).
    /// </summary>
    private async Task<JsonObject> SyncNewAnnotationsAsync(Rollout rollout, JsonObject newRs, CancellationToken ct)
    {
        var revision = Revision(newRs);
        var wantRevision = rollout.MaxOldRevision + 1;
        var minReady = (rollout.Deployment["spec"] as JsonObject)?.Long("minReadySeconds") ?? 0;
        var rsMinReady = (newRs["spec"] as JsonObject)?.Long("minReadySeconds") ?? 0;
        var rsAnnotations = AnnotationsOf(newRs);
        var copied = AnnotationsOf(rollout.Deployment)
            .Where(a => !NotCopied.Contains(a.Key) && (!rsAnnotations.TryGetValue(a.Key, out var v) || v != a.Value)).ToList();
        if (revision >= wantRevision && minReady == rsMinReady && copied.Count == 0)
        {
            return newRs;
        }

        var copy = newRs.DeepCopy();
        var annotations = copy.EnsureObj("metadata").EnsureObj("annotations");
        foreach (var (key, value) in copied)
        {
            annotations[key] = value;
        }

        if (revision < wantRevision)
        {
            annotations[RevisionAnnotation] = wantRevision.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (revision > 0)
            {
                var history = annotations[RevisionHistoryAnnotation]?.GetValue<string>();
                var old = revision.ToString(System.Globalization.CultureInfo.InvariantCulture);
                annotations[RevisionHistoryAnnotation] = string.IsNullOrEmpty(history) ? old : $"{history},{old}";
            }
        }

        copy.EnsureObj("spec")["minReadySeconds"] = minReady;
        var updated = await _client.UpdateAsync(KnownResources.ReplicaSets, copy, ct).ConfigureAwait(false);
        rollout.Replace(newRs, updated);
        return updated;
    }

    /// <summary>Kubernetes' isScalingEvent: an active ReplicaSet was sized for another spec.replicas (rolling updates only).</summary>
    private static bool IsScalingEvent(Rollout rollout)
    {
        if ((rollout.Deployment["spec"]?["strategy"] as JsonObject)?.StrOrEmpty("type") == "Recreate")
        {
            return false;
        }

        return rollout.All.Any(rs => Replicas(rs) > 0
            && int.TryParse((rs["metadata"]?["annotations"] as JsonObject)?.StrOrEmpty(DesiredReplicasAnnotation), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var desired)
            && desired != rollout.Desired);
    }

    /// <summary>Kubernetes' scale(): the one active (or latest) ReplicaSet takes spec.replicas; several share a change proportionally.</summary>
    private async Task ScaleProportionallyAsync(Rollout rollout, CancellationToken ct)
    {
        var active = rollout.All.Where(rs => Replicas(rs) > 0).ToList();
        if (active.Count <= 1)
        {
            var target = active.Count == 1 ? active[0] : rollout.New ?? rollout.All.LastOrDefault();
            if (target is not null)
            {
                await ScaleIfNeededAsync(rollout, target, rollout.Desired, ct).ConfigureAwait(false);
            }

            return;
        }

        var newRs = rollout.New;
        if (newRs is not null && Replicas(newRs) == rollout.Desired && StatusCount(newRs, "availableReplicas") == rollout.Desired
            && (newRs["metadata"]?["annotations"] as JsonObject)?.StrOrEmpty(DesiredReplicasAnnotation) == rollout.Desired.ToString(System.Globalization.CultureInfo.InvariantCulture))
        {
            foreach (var rs in active.Where(r => r != newRs))
            {
                await ScaleIfNeededAsync(rollout, rs, 0, ct).ConfigureAwait(false);
            }

            return;
        }

        if ((rollout.Deployment["spec"]?["strategy"] as JsonObject)?.StrOrEmpty("type") == "Recreate")
        {
            return;
        }

        var statusReplicas = (int)((rollout.Deployment["status"] as JsonObject)?.Long("replicas") ?? 0);
        var sizes = ProportionalScaling.Scale(rollout.Desired, rollout.MaxSurge, statusReplicas, [.. active.Select(ScalingViewOf)])
            .ToDictionary(p => p.Name, p => p.Replicas, StringComparer.Ordinal);
        foreach (var rs in active)
        {
            await ScaleIfNeededAsync(rollout, rs, sizes.TryGetValue(rs.GetName(), out var size) ? size : Replicas(rs), ct).ConfigureAwait(false);
        }
    }

    /// <summary>Scales, or only refreshes the desired/max-replicas annotations when they are stale.</summary>
    private async Task ScaleIfNeededAsync(Rollout rollout, JsonObject rs, int replicas, CancellationToken ct)
    {
        var annotations = AnnotationsOf(rs);
        var stale = !annotations.TryGetValue(DesiredReplicasAnnotation, out var desired) || desired != rollout.Desired.ToString(System.Globalization.CultureInfo.InvariantCulture)
            || !annotations.TryGetValue(MaxReplicasAnnotation, out var max) || max != (rollout.Desired + rollout.MaxSurge).ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (stale || Replicas(rs) != replicas)
        {
            await ScaleAsync(rollout, rs, replicas, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Deletes the oldest old ReplicaSets beyond spec.revisionHistoryLimit (default 10) that have no pods left.</summary>
    private async Task CleanupHistoryAsync(Rollout rollout, CancellationToken ct)
    {
        var limit = (rollout.Deployment["spec"] as JsonObject)?.Long("revisionHistoryLimit") ?? 10;
        var cleanable = rollout.Old.Where(rs => !rs.IsBeingDeleted()).OrderBy(Revision).ThenBy(rs => Timestamps.CreationTime(rs) ?? DateTimeOffset.MaxValue).ToList();
        var excess = cleanable.Count - (int)limit;
        foreach (var rs in cleanable.Take(Math.Max(0, excess)))
        {
            var status = rs["status"] as JsonObject;
            if (Replicas(rs) != 0 || (status?.Long("replicas") ?? 0) != 0
                || ((rs["metadata"] as JsonObject)?.Long("generation") ?? 0) > (status?.Long("observedGeneration") ?? 0))
            {
                continue;
            }

            await _client.DeleteAsync(KnownResources.ReplicaSets, rs.GetNamespace(), rs.GetName(), new DeleteOptions { PreconditionUid = rs.GetUid() }, ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Automatic rollback: when the unfinished new ReplicaSet has failed (deadline, restarts), put the last good revision's
    /// template back into the Deployment (as kubectl rollout undo does), mark the failed ReplicaSet, and say why in an event
    /// and the RolledBack condition.
    /// </summary>
    private async Task<ReconcileResult> CheckRollbackAsync(Rollout rollout, JsonObject newRs, ReconcileResult result, CancellationToken ct)
    {
        var d = rollout.Deployment;
        var conditions = rollout.StatusConditions ?? rollout.Conditions;
        // A finished rollout that keeps minimum availability is left alone; one whose new pods passed readiness
        // briefly and then crash-loop (the rollout completed, availability lost) still counts as failed.
        if ((DeploymentConditions.Find(conditions, DeploymentConditions.Progressing)?.StrOrEmpty("reason") == DeploymentStatusCalculator.NewReplicaSetAvailable
                && DeploymentConditions.Find(conditions, DeploymentConditions.Available)?.StrOrEmpty("status") == "True")
            || AutoRollback.IsRollbackTarget(d, newRs))
        {
            return result;
        }

        var pods = _pods.Cache.ByIndex(IndexedCache.NamespaceIndex, d.GetNamespace()).Where(p => ControllerRefs.ControllerOf(p)?.Uid == newRs.GetUid());
        if (AutoRollback.FailureReason(conditions, newRs, pods, AutoRollback.MaxRestarts(d)) is not { } reason
            || AutoRollback.FindTarget(newRs, rollout.Old) is not { } target)
        {
            return result;
        }

        var revision = Revision(target);
        var failedPatch = new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { [AutoRollback.FailedAnnotation] = reason } } };
        await _kube.AppsV1.PatchNamespacedReplicaSetAsync(new V1Patch(failedPatch.ToJsonString(), V1Patch.PatchType.MergePatch), newRs.GetName(), newRs.GetNamespace(), cancellationToken: ct).ConfigureAwait(false);

        var copy = (rollout.Stored ?? d).DeepCopy();
        copy.EnsureObj("spec")["template"] = AutoRollback.TemplateOf(target);
        var annotations = copy.EnsureObj("metadata").EnsureObj("annotations");
        annotations[AutoRollback.RolledBackToAnnotation] = target["metadata"]?["labels"]?[PodTemplateHash.Label]?.GetValue<string>() ?? string.Empty;
        if (AnnotationsOf(target).GetValueOrDefault(ChangeCauseAnnotation) is { } cause)
        {
            annotations[ChangeCauseAnnotation] = cause;
        }

        var updated = await _client.UpdateAsync(KnownResources.Deployments, copy, ct).ConfigureAwait(false);
        var message = $"Rolled back to revision {revision}: {reason}";
        _events.Warning(d, "RolledBack", message);
        var status = (updated["status"] as JsonObject)?.DeepCopy() ?? new JsonObject();
        var statusConditions = status["conditions"] as JsonArray ?? [];
        status["conditions"] = statusConditions;
        DeploymentConditions.Set(statusConditions, AutoRollback.ConditionType, "True", AutoRollback.ConditionReason, message, Time.GetUtcNow(), touch: true);
        updated["status"] = status;
        await _client.UpdateStatusAsync(KnownResources.Deployments, updated, ct).ConfigureAwait(false);
        return ReconcileResult.Done;
    }

    private static Dictionary<string, string> AnnotationsOf(JsonObject obj) =>
        new((obj["metadata"] as JsonObject)?.StringMap("annotations") ?? [], StringComparer.Ordinal);

    private static ScalingView ScalingViewOf(JsonObject rs) => new(
        rs.GetName(),
        Replicas(rs),
        int.TryParse((rs["metadata"]?["annotations"] as JsonObject)?.StrOrEmpty(MaxReplicasAnnotation), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var max) ? max : null,
        Timestamps.CreationTime(rs) ?? DateTimeOffset.MaxValue);

    /// <summary>The Deployment carries the revision of its new ReplicaSet.</summary>
    private async Task SyncRevisionAsync(JsonObject d, JsonObject newRs, CancellationToken ct)
    {
        var want = Revision(newRs).ToString(System.Globalization.CultureInfo.InvariantCulture);
        if ((d["metadata"]?["annotations"] as JsonObject)?.StrOrEmpty(RevisionAnnotation) == want)
        {
            return;
        }

        var patch = new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { [RevisionAnnotation] = want } } };
        await _kube.AppsV1.PatchNamespacedDeploymentAsync(new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch), d.GetName(), d.GetNamespace(), cancellationToken: ct).ConfigureAwait(false);
    }

    private async Task ScaleAsync(Rollout rollout, JsonObject rs, int replicas, CancellationToken ct)
    {
        var from = Replicas(rs);
        var copy = rs.DeepCopy();
        copy.EnsureObj("spec")["replicas"] = replicas;
        var annotations = copy.EnsureObj("metadata").EnsureObj("annotations");
        annotations[DesiredReplicasAnnotation] = rollout.Desired.ToString(System.Globalization.CultureInfo.InvariantCulture);
        annotations[MaxReplicasAnnotation] = (rollout.Desired + rollout.MaxSurge).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var updated = await _client.UpdateAsync(KnownResources.ReplicaSets, copy, ct).ConfigureAwait(false);
        rollout.Replace(rs, updated);
        if (from != replicas)
        {
            var direction = replicas > from ? "up" : "down";
            _events.Normal(rollout.Deployment, "ScalingReplicaSet", $"Scaled {direction} replica set {rs.GetName()} from {from} to {replicas}");
        }
    }

    private async Task<ReconcileResult> UpdateStatusAsync(Rollout rollout, string? progress, CancellationToken ct)
    {
        var d = rollout.Deployment;
        var now = Time.GetUtcNow();
        var (status, requeue) = DeploymentStatusCalculator.Calculate(d, rollout.New, rollout.All, rollout.MaxUnavailable, progress, now);
        rollout.StatusConditions = status["conditions"] as JsonArray;
        if (DeploymentStatusCalculator.Differs(d, status))
        {
            var copy = d.DeepCopy();
            copy["status"] = status;
            try
            {
                rollout.Stored = await _client.UpdateStatusAsync(KnownResources.Deployments, copy, ct).ConfigureAwait(false);
            }
            catch (ApiRequestException ex) when (ex.IsNotFound)
            {
            }
            catch (ApiRequestException ex) when (ex.IsConflict)
            {
                // Typically our own revision annotation patch a moment ago: the status holds for the same generation.
                var fresh = await _client.GetAsync(KnownResources.Deployments, d.GetNamespace(), d.GetName(), ct).ConfigureAwait(false);
                if (fresh is null || fresh.GetUid() != d.GetUid() || fresh["metadata"]?["generation"]?.ToJsonString() != d["metadata"]?["generation"]?.ToJsonString())
                {
                    throw;
                }

                // Keep conditions written since our cached copy (the RolledBack condition of an automatic rollback).
                var merged = status.DeepClone().AsObject();
                var mergedConditions = merged["conditions"] as JsonArray ?? [];
                foreach (var c in (fresh["status"]?["conditions"] as JsonArray)?.OfType<JsonObject>() ?? [])
                {
                    if (DeploymentConditions.Find(mergedConditions, c.StrOrEmpty("type")) is null)
                    {
                        mergedConditions.Add(c.DeepClone());
                    }
                }

                if (mergedConditions.Count > 0)
                {
                    merged["conditions"] = mergedConditions;
                }

                fresh["status"] = merged;
                rollout.Stored = await _client.UpdateStatusAsync(KnownResources.Deployments, fresh, ct).ConfigureAwait(false);
            }
        }

        return requeue is { } after ? ReconcileResult.After(after) : ReconcileResult.Done;
    }

    private void PodChanged(JsonObject pod)
    {
        if (ControllerRefs.ControllerOf(pod) is { Kind: "ReplicaSet" } owner
            && _replicaSets.Cache.Get($"{pod.GetNamespace()}/{owner.Name}") is { } rs && rs.GetUid() == owner.Uid)
        {
            ReplicaSetChanged(rs);
        }
    }

    private void ReplicaSetChanged(JsonObject rs)
    {
        if (ControllerRefs.ControllerOf(rs) is { } controller)
        {
            if (controller.Kind == "Deployment" && controller.Group == "apps"
                && _deployments.Cache.Get($"{rs.GetNamespace()}/{controller.Name}") is { } d && d.GetUid() == controller.Uid)
            {
                Queue.Add(d.GetKey());
            }

            return;
        }

        foreach (var d in _deployments.Cache.ByIndex(IndexedCache.NamespaceIndex, rs.GetNamespace()))
        {
            if (LabelSelector.TryFromObject(d["spec"]?["selector"], out var selector, out _) && !selector.IsEmpty && selector.MatchesLabelsOf(rs))
            {
                Queue.Add(d.GetKey());
            }
        }
    }

    internal static int Replicas(JsonObject rs) => (int)((rs["spec"] as JsonObject)?.Long("replicas") ?? 0);

    internal static long Revision(JsonObject obj) =>
        long.TryParse((obj["metadata"]?["annotations"] as JsonObject)?.StrOrEmpty(RevisionAnnotation), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var r) ? r : 0;

    private static int StatusCount(JsonObject rs, string field) => (int)((rs["status"] as JsonObject)?.Long(field) ?? 0);

    private static ReplicaSetView View(JsonObject rs) => new(
        rs.GetName(),
        Replicas(rs),
        (int)((rs["status"] as JsonObject)?.Long("availableReplicas") ?? 0),
        Timestamps.CreationTime(rs) ?? DateTimeOffset.MaxValue);
}
