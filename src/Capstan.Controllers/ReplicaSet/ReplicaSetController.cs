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

namespace Capstan.Controllers.ReplicaSet;

/// <summary>
/// Kubernetes' ReplicaSet controller: keeps spec.replicas active pods matching the selector, created from the template
/// (slow-start batches, at most <see cref="BurstReplicas"/> per sync) or deleted least valuable first; adopts matching
/// orphans and releases pods that stop matching; waits for its own creates and deletes to reach the informer before
/// acting again (expectations); reports replicas, fullyLabeledReplicas, readyReplicas, availableReplicas, observedGeneration
/// and the ReplicaFailure condition.
/// </summary>
public sealed partial class ReplicaSetController : Controller
{
    public const string Component = "replicaset-controller";

    /// <summary>At most this many creates or deletes per sync (Kubernetes' burstReplicas).</summary>
    public const int BurstReplicas = 500;

    private readonly DynamicClient _client;
    private readonly IKubernetes _kube;
    private readonly DynamicInformer _replicaSets;
    private readonly DynamicInformer _pods;
    private readonly ControllerExpectations _expectations;
    private readonly EventRecorder _events;
    private readonly ILogger _logger;

    public ReplicaSetController(SharedInformerFactory informers, ILoggerFactory loggerFactory, int workers = 5, TimeProvider? time = null)
        : base(Component, workers, loggerFactory.CreateLogger<ReplicaSetController>(), time)
    {
        _client = informers.Client;
        _kube = informers.Client.Kubernetes;
        _logger = loggerFactory.CreateLogger<ReplicaSetController>();
        _expectations = new ControllerExpectations(Time);
        _events = new EventRecorder(_kube, Component, _logger, Time);
        _replicaSets = informers.For(KnownResources.ReplicaSets);
        _pods = informers.For(KnownResources.Pods);
        _replicaSets.AddEventHandler(new ResourceEventHandler
        {
            OnAdd = rs => Queue.Add(rs.GetKey()),
            OnUpdate = (_, rs) => Queue.Add(rs.GetKey()),
            OnDelete = rs =>
            {
                _expectations.Delete(rs.GetKey());
                Queue.Add(rs.GetKey());
            },
        });
        _pods.AddEventHandler(new ResourceEventHandler { OnAdd = PodAdded, OnUpdate = PodUpdated, OnDelete = PodDeleted });
    }

    protected override IReadOnlyCollection<DynamicInformer> Informers => [_replicaSets, _pods];

    protected override async Task<ReconcileResult> ReconcileAsync(string key, CancellationToken ct)
    {
        var rs = _replicaSets.Cache.Get(key);
        if (rs is null)
        {
            _expectations.Delete(key);
            return ReconcileResult.Done;
        }

        var spec = rs["spec"] as JsonObject ?? new JsonObject();
        if (!LabelSelector.TryFromObject(spec["selector"], out var selector, out var selectorError))
        {
            _events.Warning(rs, "InvalidSelector", $"invalid selector: {selectorError}");
            return ReconcileResult.Done;
        }

        var needsSync = _expectations.Satisfied(key);
        var candidates = _pods.Cache.ByIndex(IndexedCache.NamespaceIndex, rs.GetNamespace()).Where(PodFacts.IsActive);
        var manager = new ControllerRefManager(rs, selector, (ns, name, body, token) =>
            _kube.CoreV1.PatchNamespacedPodAsync(new V1Patch(body.ToJsonString(), V1Patch.PatchType.MergePatch), name, ns, cancellationToken: token));
        var pods = await manager.ClaimAsync(candidates, ct).ConfigureAwait(false);

        string? createFailure = null;
        Exception? manageError = null;
        if (needsSync && !rs.IsBeingDeleted())
        {
            (createFailure, manageError) = await ManageReplicasAsync(rs, key, pods, ct).ConfigureAwait(false);
        }

        var status = ReplicaSetStatusCalculator.Calculate(rs, pods, createFailure, Time.GetUtcNow());
        await UpdateStatusAsync(rs, status, ct).ConfigureAwait(false);
        if (manageError is not null)
        {
            throw manageError;
        }

        var replicas = spec.Long("replicas") ?? 1;
        var minReady = spec.Long("minReadySeconds") ?? 0;
        if (minReady > 0 && (status.Long("readyReplicas") ?? 0) == replicas && (status.Long("availableReplicas") ?? 0) != replicas)
        {
            // Pods become available minReadySeconds after they became ready, with no event to say so: look again then.
            return ReconcileResult.After(TimeSpan.FromSeconds(minReady));
        }

        return ReconcileResult.Done;
    }

    /// <summary>Creates or deletes pods towards spec.replicas; returns the create failure for the ReplicaFailure condition and the error to retry on.</summary>
    private async Task<(string? CreateFailure, Exception? Error)> ManageReplicasAsync(JsonObject rs, string key, List<JsonObject> pods, CancellationToken ct)
    {
        var replicas = (int)((rs["spec"] as JsonObject)?.Long("replicas") ?? 1);
        var diff = pods.Count - replicas;
        if (diff < 0)
        {
            var count = Math.Min(-diff, BurstReplicas);
            _expectations.ExpectCreations(key, count);
            LogScaling(key, "creating", count, replicas);
            var template = BuildPod(rs);
            var (succeeded, error) = await SlowStart.RunAsync(count, () => CreatePodAsync(rs, template, ct)).ConfigureAwait(false);
            for (var skipped = count - succeeded; skipped > 0; skipped--)
            {
                // Creates that failed or never ran will not be observed: stop waiting for them.
                _expectations.CreationObserved(key);
            }

            if (error is not null)
            {
                var message = "Error creating: " + Describe(error);
                return (message, error);
            }

            return (null, null);
        }

        if (diff > 0)
        {
            var count = Math.Min(diff, BurstReplicas);
            var victims = pods.Order(ActivePodsComparer.Instance).Take(count).ToList();
            _expectations.ExpectDeletions(key, victims.Select(p => p.GetKey()));
            LogScaling(key, "deleting", count, replicas);
            var results = await Task.WhenAll(victims.Select(p => DeletePodAsync(rs, key, p, ct))).ConfigureAwait(false);
            return (null, results.FirstOrDefault(e => e is not null));
        }

        return (null, null);
    }

    private async Task CreatePodAsync(JsonObject rs, string template, CancellationToken ct)
    {
        var pod = KubernetesJson.Deserialize<V1Pod>(template);
        try
        {
            var created = await _kube.CoreV1.CreateNamespacedPodAsync(pod, rs.GetNamespace(), cancellationToken: ct).ConfigureAwait(false);
            _events.Normal(rs, "SuccessfulCreate", $"Created pod: {created.Metadata.Name}");
        }
        catch (HttpOperationException ex) when (ex.Response.Content.Contains("because it is being terminated", StringComparison.Ordinal))
        {
            // A namespace being deleted refuses new pods: expected, and retrying would only spin (Kubernetes ignores it too).
            // The pod will never be observed, so stop expecting it.
            _expectations.CreationObserved(rs.GetKey());
        }
        catch (HttpOperationException ex)
        {
            _events.Warning(rs, "FailedCreate", "Error creating: " + Describe(ex));
            throw;
        }
    }

    private Task<Exception?> DeletePodAsync(JsonObject rs, string key, JsonObject pod, CancellationToken ct) =>
        OwnedPodDeletion.DeleteAsync(_client, _events, _expectations, rs, key, pod, Describe, ct);

    private async Task UpdateStatusAsync(JsonObject rs, JsonObject status, CancellationToken ct)
    {
        if (!StatusDiff.Differs(rs, status))
        {
            return;
        }

        var copy = rs.DeepCopy();
        copy["status"] = status;

        try
        {
            await _client.UpdateStatusAsync(KnownResources.ReplicaSets, copy, ct).ConfigureAwait(false);
        }
        catch (ApiRequestException ex) when (ex.IsNotFound)
        {
        }
        catch (ApiRequestException ex) when (ex.IsConflict)
        {
            // Usually the deployment controller scaling this ReplicaSet a moment ago. The counts come from pods, so they hold
            // for the newer object as long as its generation is the one they were computed for; otherwise retry from scratch.
            var fresh = await _client.GetAsync(KnownResources.ReplicaSets, rs.GetNamespace(), rs.GetName(), ct).ConfigureAwait(false);
            if (fresh is null || fresh.GetUid() != rs.GetUid() || fresh["metadata"]?["generation"]?.ToJsonString() != rs["metadata"]?["generation"]?.ToJsonString())
            {
                throw;
            }

            fresh["status"] = status.DeepClone();
            await _client.UpdateStatusAsync(KnownResources.ReplicaSets, fresh, ct).ConfigureAwait(false);
        }
    }

    /// <summary>The pod to create, as JSON text: the template's metadata and spec, generateName "&lt;rs&gt;-" and the controller reference.</summary>
    private static string BuildPod(JsonObject rs)
    {
        var template = rs["spec"]?["template"] as JsonObject ?? new JsonObject();
        var meta = new JsonObject
        {
            ["generateName"] = rs.GetName() + "-",
            ["namespace"] = rs.GetNamespace(),
        };
        var templateMeta = template["metadata"] as JsonObject;
        foreach (var field in new[] { "labels", "annotations", "finalizers" })
        {
            if (templateMeta?[field] is { } value)
            {
                meta[field] = value.DeepClone();
            }
        }

        meta["ownerReferences"] = new JsonArray(ControllerRefs.For(rs));
        var pod = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = meta,
            ["spec"] = template["spec"]?.DeepClone() ?? new JsonObject(),
        };
        return pod.ToJsonString();
    }

    private static string Describe(Exception ex)
    {
        if (ex is HttpOperationException http)
        {
            try
            {
                if (JsonNode.Parse(http.Response.Content)?["message"]?.GetValue<string>() is { Length: > 0 } message)
                {
                    return message;
                }
            }
            catch (System.Text.Json.JsonException)
            {
            }

            return $"{(int)http.Response.StatusCode} {http.Response.StatusCode}";
        }

        return ex is ApiRequestException api && api.Reason.Length > 0 ? api.Reason : ex.Message;
    }

    private void PodAdded(JsonObject pod)
    {
        if (pod.IsBeingDeleted())
        {
            // Restarted or relisted while the pod was already going: that is a deletion as far as expectations go.
            PodDeleted(pod);
            return;
        }

        if (ControllerRefs.ControllerOf(pod) is { } controller)
        {
            if (Resolve(pod.GetNamespace(), controller) is { } rsKey)
            {
                _expectations.CreationObserved(rsKey);
                Queue.Add(rsKey);
            }

            return;
        }

        EnqueueMatching(pod);
    }

    private void PodUpdated(JsonObject old, JsonObject pod)
    {
        if (old.GetResourceVersion() == pod.GetResourceVersion())
        {
            return;
        }

        if (pod.IsBeingDeleted() && !old.IsBeingDeleted())
        {
            PodDeleted(pod);
            return;
        }

        var oldController = ControllerRefs.ControllerOf(old);
        var controller = ControllerRefs.ControllerOf(pod);
        if (oldController is not null && oldController.Uid != controller?.Uid && Resolve(old.GetNamespace(), oldController) is { } oldKey)
        {
            Queue.Add(oldKey);
        }

        if (controller is not null)
        {
            if (Resolve(pod.GetNamespace(), controller) is { } rsKey)
            {
                Queue.Add(rsKey);
                var minReady = (_replicaSets.Cache.Get(rsKey)?["spec"] as JsonObject)?.Long("minReadySeconds") ?? 0;
                if (minReady > 0 && !PodFacts.IsReady(old) && PodFacts.IsReady(pod))
                {
                    Queue.AddAfter(rsKey, TimeSpan.FromSeconds(minReady) + TimeSpan.FromSeconds(1));
                }
            }

            return;
        }

        if (oldController is not null || !JsonNode.DeepEquals(old["metadata"]?["labels"], pod["metadata"]?["labels"]))
        {
            EnqueueMatching(pod);
        }
    }

    private void PodDeleted(JsonObject pod)
    {
        if (ControllerRefs.ControllerOf(pod) is { } controller && Resolve(pod.GetNamespace(), controller) is { } rsKey)
        {
            _expectations.DeletionObserved(rsKey, pod.GetKey());
            Queue.Add(rsKey);
        }
    }

    /// <summary>The key of the ReplicaSet a controller reference names, when it is one we know (same uid).</summary>
    private string? Resolve(string ns, OwnerReference controller)
    {
        if (controller.Kind != "ReplicaSet" || controller.Group != "apps")
        {
            return null;
        }

        var key = $"{ns}/{controller.Name}";
        return _replicaSets.Cache.Get(key) is { } rs && rs.GetUid() == controller.Uid ? key : null;
    }

    /// <summary>An orphan could be adopted by any ReplicaSet in its namespace whose selector matches it.</summary>
    private void EnqueueMatching(JsonObject pod)
    {
        if (!PodFacts.IsActive(pod))
        {
            return;
        }

        foreach (var rs in _replicaSets.Cache.ByIndex(IndexedCache.NamespaceIndex, pod.GetNamespace()))
        {
            if (LabelSelector.TryFromObject(rs["spec"]?["selector"], out var selector, out _) && !selector.IsEmpty && selector.MatchesLabelsOf(pod))
            {
                Queue.Add(rs.GetKey());
            }
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "ReplicaSet {Key}: {Action} {Count} pods (want {Replicas})")]
    private partial void LogScaling(string key, string action, int count, int replicas);
}
