using System.Text.Json.Nodes;
using Capstan.Api.Selectors;
using Capstan.Api.Validation;
using Capstan.Client.Cache;
using Capstan.Client.Dynamic;
using Capstan.Client.Informers;
using Capstan.Client.Reconciling;
using Capstan.Controllers.Deployment;
using Capstan.Controllers.Events;
using Capstan.Controllers.Ownership;
using Capstan.Controllers.Pods;
using Capstan.Controllers.Resources;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Capstan.Controllers.StatefulSet;

/// <summary>
/// Kubernetes' StatefulSet controller: keeps pods "&lt;set&gt;-0".."&lt;set&gt;-(N-1)" with
/// stable hostnames, created in order and each waiting for its predecessor to be Running and Ready (OrderedReady) or all at
/// once (Parallel), removed from the highest ordinal down; records each template as a ControllerRevision and rolls pods
/// onto the newest one from the highest ordinal down to the partition (RollingUpdate), or only as they are deleted (OnDelete);
/// creates each ordinal's claims from volumeClaimTemplates before its pod and applies persistentVolumeClaimRetentionPolicy
/// (<see cref="StatefulSetClaims"/>).
/// </summary>
public sealed class StatefulSetController : Controller
{
    public const string Component = "statefulset-controller";

    private const int DefaultRevisionHistoryLimit = 10;

    private static readonly ApiResource ControllerRevisions = new(
        "apps", "v1", "controllerrevisions", "ControllerRevision", true, ["create", "delete", "get", "list", "patch", "update", "watch"]);

    private readonly DynamicClient _client;
    private readonly IKubernetes _kube;
    private readonly DynamicInformer _sets;
    private readonly DynamicInformer _pods;
    private readonly DynamicInformer _revisions;
    private readonly DynamicInformer _claims;
    private readonly EventRecorder _events;

    public StatefulSetController(SharedInformerFactory informers, ILoggerFactory loggerFactory, int workers = 5, TimeProvider? time = null)
        : base(Component, workers, loggerFactory.CreateLogger<StatefulSetController>(), time)
    {
        _client = informers.Client;
        _kube = informers.Client.Kubernetes;
        _events = new EventRecorder(_kube, Component, loggerFactory.CreateLogger<StatefulSetController>(), Time);
        _sets = informers.For(KnownResources.StatefulSets);
        _pods = informers.For(KnownResources.Pods);
        _revisions = informers.For(ControllerRevisions);
        _claims = informers.For(Volumes.VolumeResources.PersistentVolumeClaims);
        _claims.AddEventHandler(new ResourceEventHandler { OnDelete = EnqueueOwner });
        _sets.AddEventHandler(new ResourceEventHandler
        {
            OnAdd = s => Queue.Add(s.GetKey()),
            OnUpdate = (_, s) => Queue.Add(s.GetKey()),
            OnDelete = s => Queue.Add(s.GetKey()),
        });
        _pods.AddEventHandler(new ResourceEventHandler
        {
            OnAdd = EnqueueOwner,
            OnUpdate = (_, p) => EnqueueOwner(p),
            OnDelete = EnqueueOwner,
        });
        _revisions.AddEventHandler(new ResourceEventHandler
        {
            OnAdd = EnqueueOwner,
            OnDelete = EnqueueOwner,
        });
    }

    protected override IReadOnlyCollection<DynamicInformer> Informers => [_sets, _pods, _revisions, _claims];

    protected override async Task<ReconcileResult> ReconcileAsync(string key, CancellationToken ct)
    {
        var set = _sets.Cache.Get(key);
        if (set is null || set.IsBeingDeleted())
        {
            return ReconcileResult.Done;
        }

        var spec = set["spec"] as JsonObject ?? new JsonObject();
        if (!LabelSelector.TryFromObject(spec["selector"], out var selector, out var selectorError))
        {
            _events.Warning(set, "InvalidSelector", $"invalid selector: {selectorError}");
            return ReconcileResult.Done;
        }

        var ns = set.GetNamespace();
        var manager = new ControllerRefManager(set, selector, (podNs, podName, body, token) =>
            _kube.CoreV1.PatchNamespacedPodAsync(new V1Patch(body.ToJsonString(), V1Patch.PatchType.MergePatch), podName, podNs, cancellationToken: token));
        var candidates = _pods.Cache.ByIndex(IndexedCache.NamespaceIndex, ns);
        var pods = await manager.ClaimAsync(candidates, ct).ConfigureAwait(false);

        var revisions = _revisions.Cache.ByIndex(IndexedCache.NamespaceIndex, ns)
            .Where(r => ControllerRefs.ControllerOf(r)?.Uid == set.GetUid())
            .ToList();
        var status = set["status"] as JsonObject ?? new JsonObject();
        var collisionCount = status.Long("collisionCount");
        var (updateRevision, revisionsAfter) = await EnsureUpdateRevisionAsync(set, revisions, collisionCount, ct).ConfigureAwait(false);
        if (updateRevision is null)
        {
            // Another object already has this revision's name: bump collisionCount so the next hash differs (its status update requeues us).
            var bumped = status.DeepCopy();
            bumped["collisionCount"] = (collisionCount ?? 0) + 1;
            await UpdateStatusAsync(set, bumped, ct).ConfigureAwait(false);
            return ReconcileResult.After(TimeSpan.FromSeconds(1));
        }

        var currentRevision = status.StrOrEmpty("currentRevision");
        if (currentRevision.Length == 0 || !revisionsAfter.Any(r => r.GetName() == currentRevision))
        {
            currentRevision = updateRevision.GetName();
        }

        // Before any scale-down delete: a condemned pod must own its claims (whenScaled: Delete) before it goes. A claim
        // that could not be updated (a concurrent write) holds the deletes back: once its pod is gone, nothing would
        // give the claim an owner any more and it would outlive its ordinal.
        if (!await SyncClaimOwnersAsync(set, pods, ct).ConfigureAwait(false))
        {
            return ReconcileResult.After(TimeSpan.FromMilliseconds(200));
        }

        var plan = new StatefulSetPlan(set, pods, currentRevision, updateRevision.GetName());
        await ApplyAsync(set, plan, updateRevision, revisionsAfter, ct).ConfigureAwait(false);

        var podsNow = _pods.Cache.ByIndex(IndexedCache.NamespaceIndex, ns)
            .Where(p => ControllerRefs.ControllerOf(p)?.Uid == set.GetUid()).ToList();
        var newStatus = StatefulSetStatusCalculator.Calculate(set, podsNow, currentRevision, updateRevision.GetName(), collisionCount, Time.GetUtcNow());
        await UpdateStatusAsync(set, newStatus, ct).ConfigureAwait(false);
        await TruncateHistoryAsync(set, revisionsAfter, podsNow, newStatus, ct).ConfigureAwait(false);

        var minReady = spec.Long("minReadySeconds") ?? 0;
        if (minReady > 0 && (newStatus.Long("readyReplicas") ?? 0) != (newStatus.Long("availableReplicas") ?? 0))
        {
            return ReconcileResult.After(TimeSpan.FromSeconds(minReady));
        }

        return ReconcileResult.Done;
    }

    /// <summary>Runs the one step of the plan this sync may take: creates, deletes of failed or condemned pods, or a rolling-update delete.</summary>
    private async Task ApplyAsync(JsonObject set, StatefulSetPlan plan, JsonObject updateRevision, List<JsonObject> revisions, CancellationToken ct)
    {
        foreach (var step in plan.Steps())
        {
            switch (step.Kind)
            {
                case StepKind.Create:
                    var revisionName = step.Revision;
                    var revision = revisions.FirstOrDefault(r => r.GetName() == revisionName) ?? updateRevision;
                    await CreatePodAsync(set, step.Ordinal, revision, ct).ConfigureAwait(false);
                    break;
                case StepKind.Delete:
                    await DeletePodAsync(set, step.Pod!, ct).ConfigureAwait(false);
                    break;
            }
        }
    }

    private async Task CreatePodAsync(JsonObject set, int ordinal, JsonObject revision, CancellationToken ct)
    {
        var podName = StatefulSetOrdinals.PodName(set.GetName(), ordinal);
        var template = StatefulSetRevisions.TemplateOf(revision) ?? set["spec"]?["template"] as JsonObject ?? new JsonObject();
        var labels = template["metadata"]?["labels"]?.DeepClone() as JsonObject ?? new JsonObject();
        labels[StatefulSetLabels.PodName] = podName;
        labels[StatefulSetLabels.PodIndex] = ordinal.ToString(System.Globalization.CultureInfo.InvariantCulture);
        labels[StatefulSetLabels.RevisionHash] = revision.GetName();
        var meta = new JsonObject
        {
            ["name"] = podName,
            ["namespace"] = set.GetNamespace(),
            ["labels"] = labels,
        };
        if (template["metadata"]?["annotations"] is { } annotations)
        {
            meta["annotations"] = annotations.DeepClone();
        }

        meta["ownerReferences"] = new JsonArray(ControllerRefs.For(set));
        var podSpec = template["spec"]?.DeepClone() as JsonObject ?? new JsonObject();
        podSpec["hostname"] = podName;
        if (!await EnsureClaimsAsync(set, ordinal, ct).ConfigureAwait(false))
        {
            return;
        }

        StatefulSetClaims.MountInto(podSpec, set, ordinal);
        if ((set["spec"] as JsonObject)?.StrOrEmpty("serviceName") is { Length: > 0 } service)
        {
            podSpec["subdomain"] = service;
        }

        var pod = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Pod", ["metadata"] = meta, ["spec"] = podSpec };
        try
        {
            await _kube.CoreV1.CreateNamespacedPodAsync(KubernetesJson.Deserialize<V1Pod>(pod.ToJsonString()), set.GetNamespace(), cancellationToken: ct).ConfigureAwait(false);
            _events.Normal(set, "SuccessfulCreate", $"create Pod {podName} in StatefulSet {set.GetName()} successful");
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == System.Net.HttpStatusCode.Conflict)
        {
            // Created a moment ago and not yet in the informer: the pod event will bring us back.
        }
        catch (HttpOperationException ex) when (ex.Response.Content.Contains("because it is being terminated", StringComparison.Ordinal))
        {
        }
        catch (HttpOperationException ex)
        {
            _events.Warning(set, "FailedCreate", $"create Pod {podName} in StatefulSet {set.GetName()} failed error: {ex.Response.Content}");
            throw;
        }
    }

    /// <summary>
    /// Creates the ordinal's missing claims from the volumeClaimTemplates; false while one of them is being deleted (the
    /// pod waits for it to go, then gets a fresh claim), as Kubernetes does.
    /// </summary>
    private async Task<bool> EnsureClaimsAsync(JsonObject set, int ordinal, CancellationToken ct)
    {
        foreach (var template in StatefulSetClaims.Templates(set))
        {
            var claim = StatefulSetClaims.Build(set, template, ordinal);
            if (_claims.Cache.Get($"{set.GetNamespace()}/{claim.GetName()}") is { } existing)
            {
                if (existing.IsBeingDeleted())
                {
                    _events.Warning(set, "FailedCreate", $"create Pod {StatefulSetOrdinals.PodName(set.GetName(), ordinal)} in StatefulSet {set.GetName()} failed error: PersistentVolumeClaim {claim.GetName()} is being deleted");
                    return false;
                }

                continue;
            }

            if (StatefulSetClaims.DeleteWhenDeleted(set))
            {
                claim["metadata"]!["ownerReferences"] = StatefulSetClaims.DesiredOwners(claim, set, null, ordinal, int.MaxValue);
            }

            try
            {
                await _kube.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(
                    KubernetesJson.Deserialize<V1PersistentVolumeClaim>(claim.ToJsonString()), set.GetNamespace(), cancellationToken: ct).ConfigureAwait(false);
                _events.Normal(set, "SuccessfulCreate", $"create Claim {claim.GetName()} Pod {StatefulSetOrdinals.PodName(set.GetName(), ordinal)} in StatefulSet {set.GetName()} success");
            }
            catch (HttpOperationException ex) when (ex.Response.StatusCode == System.Net.HttpStatusCode.Conflict)
            {
            }
            catch (HttpOperationException ex)
            {
                _events.Warning(set, "FailedCreate", $"create Claim {claim.GetName()} for Pod {StatefulSetOrdinals.PodName(set.GetName(), ordinal)} in StatefulSet {set.GetName()} failed error: {ex.Response.Content}");
                throw;
            }
        }

        return true;
    }

    /// <summary>
    /// Gives each claim the owners its retention policy asks for; false when one of them could not be updated yet. A
    /// condemned pod's claim that the claims cache has not delivered yet (created a moment before the scale-down) is read
    /// live: once the pod is gone, nothing would give the claim an owner any more, and it would outlive its ordinal.
    /// </summary>
    private async Task<bool> SyncClaimOwnersAsync(JsonObject set, List<JsonObject> pods, CancellationToken ct)
    {
        var templates = StatefulSetClaims.Templates(set).Select(StatefulSetClaims.TemplateName).ToList();
        if (templates.Count == 0)
        {
            return true;
        }

        var complete = true;
        var replicas = (int)((set["spec"] as JsonObject)?.Long("replicas") ?? 1);
        var prefixes = templates.Select(t => $"{t}-{set.GetName()}-").ToList();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var claim in _claims.Cache.ByIndex(IndexedCache.NamespaceIndex, set.GetNamespace()))
        {
            var prefix = prefixes.FirstOrDefault(p => claim.GetName().StartsWith(p, StringComparison.Ordinal));
            if (prefix is null
                || !int.TryParse(claim.GetName().AsSpan(prefix.Length), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var ordinal))
            {
                continue;
            }

            seen.Add(claim.GetName());
            if (!claim.IsBeingDeleted())
            {
                var pod = pods.FirstOrDefault(p => p.GetName() == StatefulSetOrdinals.PodName(set.GetName(), ordinal));
                complete &= await SetClaimOwnersAsync(claim, set, pod, ordinal, replicas, ct).ConfigureAwait(false);
            }
        }

        if (!StatefulSetClaims.DeleteWhenScaled(set))
        {
            return complete;
        }

        foreach (var pod in pods)
        {
            var ordinal = StatefulSetOrdinals.Parse(set.GetName(), pod.GetName());
            if (ordinal < replicas)
            {
                continue;
            }

            foreach (var template in templates)
            {
                var name = StatefulSetClaims.ClaimName(template, set.GetName(), ordinal);
                if (!seen.Contains(name)
                    && await _client.GetAsync(Volumes.VolumeResources.PersistentVolumeClaims, set.GetNamespace(), name, ct).ConfigureAwait(false) is { } live
                    && !live.IsBeingDeleted())
                {
                    complete &= await SetClaimOwnersAsync(live, set, pod, ordinal, replicas, ct).ConfigureAwait(false);
                }
            }
        }

        return complete;
    }

    /// <summary>Patches the claim's ownerReferences when the policy wants others; false on a conflict (a newer version exists).</summary>
    private async Task<bool> SetClaimOwnersAsync(JsonObject claim, JsonObject set, JsonObject? pod, int ordinal, int replicas, CancellationToken ct)
    {
        if (StatefulSetClaims.DesiredOwners(claim, set, pod, ordinal, replicas) is not { } owners)
        {
            return true;
        }

        var patch = new JsonObject { ["metadata"] = new JsonObject { ["ownerReferences"] = owners, ["resourceVersion"] = claim.GetResourceVersion() } };
        try
        {
            await _kube.CoreV1.PatchNamespacedPersistentVolumeClaimAsync(new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch), claim.GetName(), claim.GetNamespace(), cancellationToken: ct).ConfigureAwait(false);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == System.Net.HttpStatusCode.Conflict)
        {
            return false;
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
        }

        return true;
    }

    private async Task DeletePodAsync(JsonObject set, JsonObject pod, CancellationToken ct)
    {
        try
        {
            if (await _client.DeleteAsync(KnownResources.Pods, pod.GetNamespace(), pod.GetName(), new DeleteOptions { PreconditionUid = pod.GetUid() }, ct).ConfigureAwait(false))
            {
                _events.Normal(set, "SuccessfulDelete", $"delete Pod {pod.GetName()} in StatefulSet {set.GetName()} successful");
            }
        }
        catch (ApiRequestException ex) when (ex.IsConflict)
        {
            // Replaced by a pod with the same name: the next sync sees the new one.
        }
    }

    /// <summary>
    /// The ControllerRevision for the current template, created (or renumbered, on a rollback to an older template) as needed;
    /// null when its name is taken by a revision with other contents (a hash collision).
    /// </summary>
    private async Task<(JsonObject? Revision, List<JsonObject> Revisions)> EnsureUpdateRevisionAsync(JsonObject set, List<JsonObject> revisions, long? collisionCount, CancellationToken ct)
    {
        var template = set["spec"]?["template"] as JsonObject ?? new JsonObject();
        var next = revisions.Count == 0 ? 1 : revisions.Max(StatefulSetRevisions.Number) + 1;
        var equal = revisions.Where(r => StatefulSetRevisions.Matches(r, template)).OrderByDescending(StatefulSetRevisions.Number).FirstOrDefault();
        if (equal is not null)
        {
            if (StatefulSetRevisions.Number(equal) == next - 1)
            {
                return (equal, revisions);
            }

            // Back to an older template: that revision becomes the newest again, as Kubernetes does.
            var copy = equal.DeepCopy();
            copy["revision"] = next;
            var updated = await _client.UpdateAsync(ControllerRevisions, copy, ct).ConfigureAwait(false);
            return (updated, [.. revisions.Where(r => r.GetName() != equal.GetName()), updated]);
        }

        var hash = PodTemplateHash.Compute(template, collisionCount);
        var revision = StatefulSetRevisions.Build(set, template, hash, next);
        try
        {
            var created = await _kube.AppsV1.CreateNamespacedControllerRevisionAsync(
                KubernetesJson.Deserialize<V1ControllerRevision>(revision.ToJsonString()), set.GetNamespace(), cancellationToken: ct).ConfigureAwait(false);
            var createdJson = JsonNode.Parse(KubernetesJson.Serialize(created)) as JsonObject ?? revision;
            return (createdJson, [.. revisions, createdJson]);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == System.Net.HttpStatusCode.Conflict)
        {
            var existing = await _client.GetAsync(ControllerRevisions, set.GetNamespace(), revision.GetName(), ct).ConfigureAwait(false);
            if (existing is not null && StatefulSetRevisions.Matches(existing, template))
            {
                return (existing, [.. revisions.Where(r => r.GetName() != existing.GetName()), existing]);
            }

            if (existing is not null)
            {
                return (null, revisions);
            }

            throw;
        }
    }

    private Task UpdateStatusAsync(JsonObject set, JsonObject status, CancellationToken ct) =>
        StatusDiff.WriteIfChangedAsync(_client, KnownResources.StatefulSets, set, status, ct);

    /// <summary>Deletes the oldest revisions beyond revisionHistoryLimit that no pod and neither status revision uses.</summary>
    private async Task TruncateHistoryAsync(JsonObject set, List<JsonObject> revisions, List<JsonObject> pods, JsonObject status, CancellationToken ct)
    {
        var limit = (set["spec"] as JsonObject)?.Long("revisionHistoryLimit") ?? DefaultRevisionHistoryLimit;
        var live = new HashSet<string>(StringComparer.Ordinal) { status.StrOrEmpty("currentRevision"), status.StrOrEmpty("updateRevision") };
        foreach (var pod in pods)
        {
            if (PodFacts.Labels(pod).TryGetValue(StatefulSetLabels.RevisionHash, out var hash))
            {
                live.Add(hash);
            }
        }

        var history = revisions.Where(r => !live.Contains(r.GetName())).OrderBy(StatefulSetRevisions.Number).ToList();
        foreach (var old in history.Take(Math.Max(0, history.Count - (int)limit)))
        {
            await _client.DeleteAsync(ControllerRevisions, old.GetNamespace(), old.GetName(), new DeleteOptions(), ct).ConfigureAwait(false);
        }
    }

    private void EnqueueOwner(JsonObject obj)
    {
        if (ControllerRefs.ControllerOf(obj) is { Kind: "StatefulSet" } owner)
        {
            Queue.Add($"{obj.GetNamespace()}/{owner.Name}");
            return;
        }

        if (obj.GetKind() is "Pod" or "" && PodFacts.IsActive(obj))
        {
            // An orphan may be adopted by a set whose selector matches it.
            foreach (var set in _sets.Cache.ByIndex(IndexedCache.NamespaceIndex, obj.GetNamespace()))
            {
                if (LabelSelector.TryFromObject(set["spec"]?["selector"], out var selector, out _) && !selector.IsEmpty && selector.MatchesLabelsOf(obj))
                {
                    Queue.Add(set.GetKey());
                }
            }
        }
    }
}
