using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Capstan.Api.Selectors;
using Capstan.Api.Validation;
using Capstan.Client.Dynamic;
using Capstan.Client.Informers;
using Capstan.Client.Reconciling;
using Capstan.Controllers.Events;
using Capstan.Controllers.Resources;
using Microsoft.Extensions.Logging;

namespace Capstan.Controllers.Volumes.Binding;

/// <summary>
/// Kubernetes' PersistentVolume controller (binder): binds each claim to its best matching volume (or asks the class's
/// provisioner for one through the storage-provisioner annotation), keeps the phases of claims (Pending, Bound, Lost) and
/// volumes (Available, Bound, Released, Failed), holds WaitForFirstConsumer claims until the scheduler names a node,
/// gives class-less claims the default class (retroactive default StorageClass assignment), releases volumes whose claim
/// is gone (the provisioner deletes those with policy Delete) and grows status.capacity when a claim is expanded.
/// Queue keys are "pvc:&lt;ns&gt;/&lt;name&gt;" and "pv:&lt;name&gt;".
/// </summary>
public sealed class PersistentVolumeBinderController : Controller
{
    public const string Component = "persistentvolume-binder-controller";

    /// <summary>The built-in provisioner's name; volumes it made are grown in place on expansion (a directory has no size).</summary>
    public const string LocalPathProvisioner = "capstan.io/local-path";

    private const string ClaimPrefix = "pvc:";
    private const string VolumePrefix = "pv:";
    private const string PodPrefix = "pod:";

    private readonly DynamicClient _client;
    private readonly DynamicInformer _claims;
    private readonly DynamicInformer _volumes;
    private readonly DynamicInformer _classes;
    private readonly DynamicInformer _nodes;
    private readonly DynamicInformer _pods;
    private readonly EventRecorder _events;

    // The last event reason per object uid, so that a claim waiting for a volume reports it once, not on every sync.
    private readonly ConcurrentDictionary<string, string> _lastEvent = new(StringComparer.Ordinal);

    public PersistentVolumeBinderController(SharedInformerFactory informers, ILoggerFactory loggerFactory, int workers = 2, TimeProvider? time = null)
        : base(Component, workers, loggerFactory.CreateLogger<PersistentVolumeBinderController>(), time)
    {
        _client = informers.Client;
        _events = new EventRecorder(informers.Client.Kubernetes, Component, loggerFactory.CreateLogger<PersistentVolumeBinderController>(), Time);
        _claims = informers.For(VolumeResources.PersistentVolumeClaims);
        _volumes = informers.For(VolumeResources.PersistentVolumes);
        _classes = informers.For(VolumeResources.StorageClasses);
        _nodes = informers.For(KnownResources.Nodes);
        _claims.AddEventHandler(new ResourceEventHandler
        {
            OnAdd = c => Queue.Add(ClaimPrefix + c.GetKey()),
            OnUpdate = (_, c) => Queue.Add(ClaimPrefix + c.GetKey()),
            OnDelete = ClaimDeleted,
        });
        _volumes.AddEventHandler(new ResourceEventHandler
        {
            OnAdd = VolumeChanged,
            OnUpdate = (_, v) => VolumeChanged(v),
            OnDelete = VolumeChanged,
        });
        _pods = informers.For(KnownResources.Pods);
        _pods.AddEventHandler(new ResourceEventHandler { OnAdd = PodChanged, OnUpdate = (_, p) => PodChanged(p) });
        _classes.AddEventHandler(new ResourceEventHandler { OnAdd = _ => EnqueueUnboundClaims(), OnUpdate = (_, _) => EnqueueUnboundClaims() });
    }

    protected override IReadOnlyCollection<DynamicInformer> Informers => [_claims, _volumes, _classes, _nodes, _pods];

    protected override async Task<ReconcileResult> ReconcileAsync(string key, CancellationToken ct)
    {
        try
        {
            if (key.StartsWith(PodPrefix, StringComparison.Ordinal))
            {
                var pod = _pods.Cache.Get(key[PodPrefix.Length..]);
                if (pod is not null)
                {
                    await SelectNodeAsync(pod, ct).ConfigureAwait(false);
                }

                return ReconcileResult.Done;
            }

            if (key.StartsWith(ClaimPrefix, StringComparison.Ordinal))
            {
                var claim = _claims.Cache.Get(key[ClaimPrefix.Length..]);
                return claim is null ? ReconcileResult.Done : await SyncClaimAsync(claim, ct).ConfigureAwait(false);
            }

            var volume = _volumes.Cache.Get(key[VolumePrefix.Length..]);
            return volume is null ? ReconcileResult.Done : await SyncVolumeAsync(volume, ct).ConfigureAwait(false);
        }
        catch (ApiRequestException ex) when (ex.IsConflict || ex.IsNotFound)
        {
            // Our cache was behind the object we wrote: its event brings the newer state; look again shortly in any case.
            return ReconcileResult.After(TimeSpan.FromMilliseconds(200));
        }
    }

    private async Task<ReconcileResult> SyncClaimAsync(JsonObject claim, CancellationToken ct)
    {
        if (claim.IsBeingDeleted())
        {
            return ReconcileResult.Done;
        }

        var volumeName = VolumeFacts.VolumeName(claim);
        if (volumeName.Length == 0 && VolumeFacts.HasNoClass(claim) && DefaultClass() is { } defaultClass)
        {
            var copy = claim.DeepCopy();
            VolumeFacts.Spec(copy)["storageClassName"] = defaultClass.GetName();
            copy["spec"] = VolumeFacts.Spec(copy);
            await _client.UpdateAsync(VolumeResources.PersistentVolumeClaims, copy, ct).ConfigureAwait(false);
            return ReconcileResult.Done;
        }

        if (VolumeFacts.Annotation(claim, VolumeAnnotations.BindCompleted) is null)
        {
            return volumeName.Length == 0
                ? await SyncUnboundClaimAsync(claim, ct).ConfigureAwait(false)
                : await SyncPreBoundClaimAsync(claim, volumeName, ct).ConfigureAwait(false);
        }

        var volume = _volumes.Cache.Get(volumeName);
        if (volume is null)
        {
            await SetClaimPhaseAsync(claim, "Lost", ct).ConfigureAwait(false);
            Warn(claim, "ClaimLost", "Bound claim has lost its PersistentVolume. Data on the volume is lost!");
            return ReconcileResult.Done;
        }

        if (VolumeFacts.ClaimRef(volume) is null || VolumeFacts.IsBoundTo(volume, claim))
        {
            var (_, boundClaim) = await BindAsync(volume, claim, ct).ConfigureAwait(false);
            await ExpandAsync(boundClaim, ct).ConfigureAwait(false);
            return ReconcileResult.Done;
        }

        await SetClaimPhaseAsync(claim, "Lost", ct).ConfigureAwait(false);
        Warn(claim, "ClaimMisbound", "Two claims are bound to the same volume, this one is bound incorrectly");
        return ReconcileResult.Done;
    }

    private async Task<ReconcileResult> SyncUnboundClaimAsync(JsonObject claim, CancellationToken ct)
    {
        var className = VolumeFacts.ClassOf(claim);
        var storageClass = className.Length == 0 ? null : _classes.Cache.Get(className);
        var delay = VolumeFacts.IsWaitForFirstConsumer(storageClass);
        (string, IReadOnlyDictionary<string, string>)? node = null;
        if (VolumeFacts.Annotation(claim, VolumeAnnotations.SelectedNode) is { Length: > 0 } nodeName)
        {
            node = (nodeName, LabelSelector.ToDictionary(_nodes.Cache.Get(nodeName)?["metadata"]?["labels"] as JsonObject));
        }

        var volume = ClaimMatcher.FindBest(claim, _volumes.Cache.List(), node, delay);
        if (volume is not null)
        {
            await BindAsync(volume, claim, ct).ConfigureAwait(false);
            return ReconcileResult.Done;
        }

        await SetClaimPhaseAsync(claim, "Pending", ct).ConfigureAwait(false);
        if (delay && node is null)
        {
            Normal(claim, "WaitForFirstConsumer", "waiting for first consumer to be created before binding");
            return ReconcileResult.Done;
        }

        var provisioner = storageClass?.StrOrEmpty("provisioner") ?? "";
        if (provisioner.Length > 0 && provisioner != "kubernetes.io/no-provisioner")
        {
            if (VolumeFacts.Annotation(claim, VolumeAnnotations.StorageProvisioner) != provisioner)
            {
                var copy = claim.DeepCopy();
                var annotations = copy.EnsureObj("metadata").EnsureObj("annotations");
                annotations[VolumeAnnotations.StorageProvisioner] = provisioner;
                annotations[VolumeAnnotations.BetaStorageProvisioner] = provisioner;
                await _client.UpdateAsync(VolumeResources.PersistentVolumeClaims, copy, ct).ConfigureAwait(false);
            }

            Normal(claim, "ExternalProvisioning",
                $"Waiting for a volume to be created either by the external provisioner '{provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.");
            return ReconcileResult.Done;
        }

        Normal(claim, "FailedBinding", className.Length == 0
            ? "no persistent volumes available for this claim and no storage class is set"
            : storageClass is null ? $"storageclass.storage.k8s.io \"{className}\" not found" : "no persistent volumes available for this claim");
        return ReconcileResult.Done;
    }

    /// <summary>A claim whose spec.volumeName the user set: it binds to that volume only, once the volume fits.</summary>
    private async Task<ReconcileResult> SyncPreBoundClaimAsync(JsonObject claim, string volumeName, CancellationToken ct)
    {
        var volume = _volumes.Cache.Get(volumeName);
        if (volume is null)
        {
            await SetClaimPhaseAsync(claim, "Pending", ct).ConfigureAwait(false);
            Normal(claim, "FailedBinding", $"volume \"{volumeName}\" not found");
            return ReconcileResult.Done;
        }

        if (VolumeFacts.ClaimRef(volume) is null)
        {
            if (ClaimMatcher.Mismatch(volume, claim) is { } why)
            {
                await SetClaimPhaseAsync(claim, "Pending", ct).ConfigureAwait(false);
                Warn(claim, "VolumeMismatch", $"Cannot bind to requested volume \"{volumeName}\": {why}");
                return ReconcileResult.Done;
            }

            await BindAsync(volume, claim, ct).ConfigureAwait(false);
            return ReconcileResult.Done;
        }

        if (VolumeFacts.IsBoundTo(volume, claim))
        {
            await BindAsync(volume, claim, ct).ConfigureAwait(false);
            return ReconcileResult.Done;
        }

        await SetClaimPhaseAsync(claim, "Pending", ct).ConfigureAwait(false);
        Normal(claim, "FailedBinding", $"volume \"{volumeName}\" already bound to a different claim.");
        return ReconcileResult.Done;
    }

    /// <summary>
    /// Completes the binding in Kubernetes' order: the volume's claimRef, the volume's phase, the claim's volumeName and
    /// annotations, the claim's phase, access modes and capacity. Each step is skipped when already done.
    /// </summary>
    private async Task<(JsonObject Volume, JsonObject Claim)> BindAsync(JsonObject volume, JsonObject claim, CancellationToken ct)
    {
        var claimRef = VolumeFacts.ClaimRef(volume);
        if (claimRef is null || claimRef.Value.Uid != claim.GetUid())
        {
            var copy = volume.DeepCopy();
            var spec = copy.EnsureObj("spec");
            spec["claimRef"] = new JsonObject
            {
                ["kind"] = "PersistentVolumeClaim",
                ["namespace"] = claim.GetNamespace(),
                ["name"] = claim.GetName(),
                ["uid"] = claim.GetUid(),
                ["apiVersion"] = "v1",
                ["resourceVersion"] = claim.GetResourceVersion(),
            };
            if (claimRef is null)
            {
                copy.EnsureObj("metadata").EnsureObj("annotations")[VolumeAnnotations.BoundByController] = VolumeAnnotations.Yes;
            }

            volume = await _client.UpdateAsync(VolumeResources.PersistentVolumes, copy, ct).ConfigureAwait(false);
        }

        volume = await SetVolumePhaseAsync(volume, "Bound", null, ct).ConfigureAwait(false);

        if (VolumeFacts.VolumeName(claim) != volume.GetName() || VolumeFacts.Annotation(claim, VolumeAnnotations.BindCompleted) is null)
        {
            var copy = claim.DeepCopy();
            var annotations = copy.EnsureObj("metadata").EnsureObj("annotations");
            annotations[VolumeAnnotations.BindCompleted] = VolumeAnnotations.Yes;
            if (VolumeFacts.VolumeName(claim).Length == 0)
            {
                annotations[VolumeAnnotations.BoundByController] = VolumeAnnotations.Yes;
            }

            copy.EnsureObj("spec")["volumeName"] = volume.GetName();
            claim = await _client.UpdateAsync(VolumeResources.PersistentVolumeClaims, copy, ct).ConfigureAwait(false);
        }

        var status = claim["status"] as JsonObject ?? new JsonObject();
        var wanted = status.DeepClone().AsObject();
        wanted["phase"] = "Bound";
        wanted["accessModes"] = VolumeFacts.Spec(volume)["accessModes"]?.DeepClone();
        if (status["capacity"] is null || VolumeFacts.StatusCapacity(claim) is not { } have || have < VolumeFacts.Capacity(volume))
        {
            wanted["capacity"] = VolumeFacts.Spec(volume)["capacity"]?.DeepClone();
        }

        if (!JsonNode.DeepEquals(status, wanted))
        {
            var copy = claim.DeepCopy();
            copy["status"] = wanted;
            claim = await _client.UpdateStatusAsync(VolumeResources.PersistentVolumeClaims, copy, ct).ConfigureAwait(false);
            _lastEvent.TryRemove(claim.GetUid(), out _);
        }

        return (volume, claim);
    }

    /// <summary>
    /// Online expansion: a bound claim asking for more than its status.capacity, in a class with allowVolumeExpansion.
    /// A local-path volume is a directory with no size, so its capacity simply follows the request; other volumes must
    /// have grown (their PV's capacity) before the claim's status follows.
    /// </summary>
    private async Task ExpandAsync(JsonObject claim, CancellationToken ct)
    {
        var requested = VolumeFacts.Requested(claim);
        if (VolumeFacts.StatusCapacity(claim) is not { } current || requested <= current)
        {
            return;
        }

        var storageClass = _classes.Cache.Get(VolumeFacts.ClassOf(claim));
        if (storageClass?.Bool("allowVolumeExpansion") != true || _volumes.Cache.Get(VolumeFacts.VolumeName(claim)) is not { } volume)
        {
            return;
        }

        if (VolumeFacts.Annotation(volume, VolumeAnnotations.ProvisionedBy) == LocalPathProvisioner && VolumeFacts.Capacity(volume) < requested)
        {
            var copy = volume.DeepCopy();
            copy.EnsureObj("spec").EnsureObj("capacity")["storage"] = requested.ToString();
            volume = await _client.UpdateAsync(VolumeResources.PersistentVolumes, copy, ct).ConfigureAwait(false);
            Normal(claim, "Resizing", $"External resizer is resizing volume {volume.GetName()}");
        }

        var size = VolumeFacts.Capacity(volume);
        if (size <= current)
        {
            return;
        }

        var claimCopy = claim.DeepCopy();
        var status = claimCopy.EnsureObj("status");
        status.EnsureObj("capacity")["storage"] = size.ToString();
        status.EnsureObj("allocatedResources")["storage"] = requested.ToString();
        status.Remove("allocatedResourceStatuses");
        status.Remove("conditions");
        await _client.UpdateStatusAsync(VolumeResources.PersistentVolumeClaims, claimCopy, ct).ConfigureAwait(false);
        Normal(claim, "FileSystemResizeSuccessful", $"MountVolume.NodeExpandVolume succeeded for volume \"{volume.GetName()}\"");
    }

    /// <summary>
    /// The first consumer of a WaitForFirstConsumer claim was bound to a node: the claim gets that node in its
    /// volume.kubernetes.io/selected-node annotation, so that it binds to a volume there or is provisioned there.
    /// (kube-scheduler writes the annotation itself before binding; Capstan's scheduler filters on the same rules and
    /// leaves the write to this controller.)
    /// </summary>
    private async Task SelectNodeAsync(JsonObject pod, CancellationToken ct)
    {
        var nodeName = VolumeFacts.Spec(pod).StrOrEmpty("nodeName");
        foreach (var claimName in VolumeFacts.ClaimNames(pod))
        {
            if (_claims.Cache.Get($"{pod.GetNamespace()}/{claimName}") is not { } claim
                || VolumeFacts.VolumeName(claim).Length > 0
                || VolumeFacts.Annotation(claim, VolumeAnnotations.SelectedNode) is { Length: > 0 }
                || !VolumeFacts.IsWaitForFirstConsumer(_classes.Cache.Get(VolumeFacts.ClassOf(claim))))
            {
                continue;
            }

            var copy = claim.DeepCopy();
            var annotations = copy.EnsureObj("metadata").EnsureObj("annotations");
            annotations[VolumeAnnotations.SelectedNode] = nodeName;

            // When no existing volume will do, the provisioner is named in the same write: one round trip less before it acts.
            var node = (nodeName, LabelSelector.ToDictionary(_nodes.Cache.Get(nodeName)?["metadata"]?["labels"] as JsonObject));
            var provisioner = _classes.Cache.Get(VolumeFacts.ClassOf(claim))?.StrOrEmpty("provisioner") ?? "";
            if (provisioner.Length > 0 && provisioner != "kubernetes.io/no-provisioner" && ClaimMatcher.FindBest(claim, _volumes.Cache.List(), node, true) is null)
            {
                annotations[VolumeAnnotations.StorageProvisioner] = provisioner;
                annotations[VolumeAnnotations.BetaStorageProvisioner] = provisioner;
            }

            await _client.UpdateAsync(VolumeResources.PersistentVolumeClaims, copy, ct).ConfigureAwait(false);
        }
    }

    private void PodChanged(JsonObject pod)
    {
        if (VolumeFacts.Spec(pod).StrOrEmpty("nodeName").Length > 0 && !Pods.PodFacts.IsTerminal(pod) && VolumeFacts.ClaimNames(pod).Any())
        {
            Queue.Add(PodPrefix + pod.GetKey());
        }
    }

    private async Task<ReconcileResult> SyncVolumeAsync(JsonObject volume, CancellationToken ct)
    {
        if (VolumeFacts.ClaimRef(volume) is not { } claimRef || claimRef.Uid.Length == 0)
        {
            // Free, or pre-bound by the user to a claim that does not exist yet.
            await SetVolumePhaseAsync(volume, "Available", null, ct).ConfigureAwait(false);
            return ReconcileResult.Done;
        }

        var claim = _claims.Cache.Get($"{claimRef.Namespace}/{claimRef.Name}");
        if (claim is null && VolumeFacts.Phase(volume) is not "Released" and not "Failed")
        {
            // The cache may not have seen a claim created a moment ago: ask the server before releasing its volume.
            claim = await _client.GetAsync(VolumeResources.PersistentVolumeClaims, claimRef.Namespace, claimRef.Name, ct).ConfigureAwait(false);
        }

        if (claim is null || claim.GetUid() != claimRef.Uid)
        {
            return await ReclaimAsync(volume, ct).ConfigureAwait(false);
        }

        var claimVolume = VolumeFacts.VolumeName(claim);
        if (claimVolume.Length == 0 || claimVolume == volume.GetName())
        {
            // Bound, or being bound: the claim's sync finishes (or repairs) the binding.
            Queue.Add(ClaimPrefix + claim.GetKey());
            return ReconcileResult.Done;
        }

        // The claim went to another volume. A binding we made is undone; one the user made waits for the claim to let go.
        if (VolumeFacts.Annotation(volume, VolumeAnnotations.BoundByController) == VolumeAnnotations.Yes)
        {
            var copy = volume.DeepCopy();
            VolumeFacts.Spec(copy).Remove("claimRef");
            copy["spec"] = VolumeFacts.Spec(copy);
            (copy["metadata"]?["annotations"] as JsonObject)?.Remove(VolumeAnnotations.BoundByController);
            volume = await _client.UpdateAsync(VolumeResources.PersistentVolumes, copy, ct).ConfigureAwait(false);
        }

        await SetVolumePhaseAsync(volume, "Available", null, ct).ConfigureAwait(false);
        return ReconcileResult.Done;
    }

    /// <summary>
    /// The volume's claim is gone: the volume is Released, and then its reclaim policy applies. Retain keeps it (and its
    /// data) for an administrator; Delete is the provisioner's job for provisioned volumes (the node agent removes the
    /// local-path directory and the PV); other Delete and Recycle volumes have no plugin here and go Failed.
    /// </summary>
    private async Task<ReconcileResult> ReclaimAsync(JsonObject volume, CancellationToken ct)
    {
        if (VolumeFacts.Phase(volume) is not "Released" and not "Failed")
        {
            volume = await SetVolumePhaseAsync(volume, "Released", null, ct).ConfigureAwait(false);
        }

        var policy = VolumeFacts.ReclaimPolicy(volume);
        if (policy == "Delete" && VolumeFacts.Annotation(volume, VolumeAnnotations.ProvisionedBy) is null && VolumeFacts.Phase(volume) != "Failed")
        {
            var message = $"error getting deleter volume plugin for volume \"{volume.GetName()}\": no deletable volume plugin matched";
            await SetVolumePhaseAsync(volume, "Failed", message, ct).ConfigureAwait(false);
            Warn(volume, "VolumeFailedDelete", message);
        }
        else if (policy == "Recycle" && VolumeFacts.Phase(volume) != "Failed")
        {
            var message = $"no volume plugin matched name: recycler for volume \"{volume.GetName()}\"";
            await SetVolumePhaseAsync(volume, "Failed", message, ct).ConfigureAwait(false);
            Warn(volume, "VolumeFailedRecycle", message);
        }

        return ReconcileResult.Done;
    }

    private async Task<JsonObject> SetVolumePhaseAsync(JsonObject volume, string phase, string? message, CancellationToken ct)
    {
        var status = volume["status"] as JsonObject;
        if (status?.StrOrEmpty("phase") == phase && status.Str("message") == message)
        {
            return volume;
        }

        var copy = volume.DeepCopy();
        var newStatus = new JsonObject { ["phase"] = phase, ["lastPhaseTransitionTime"] = Time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture) };
        if (message is not null)
        {
            newStatus["message"] = message;
        }

        copy["status"] = newStatus;
        return await _client.UpdateStatusAsync(VolumeResources.PersistentVolumes, copy, ct).ConfigureAwait(false);
    }

    private async Task SetClaimPhaseAsync(JsonObject claim, string phase, CancellationToken ct)
    {
        if (VolumeFacts.Phase(claim) == phase)
        {
            return;
        }

        var copy = claim.DeepCopy();
        copy.EnsureObj("status")["phase"] = phase;
        await _client.UpdateStatusAsync(VolumeResources.PersistentVolumeClaims, copy, ct).ConfigureAwait(false);
    }

    /// <summary>The default StorageClass; with several, the newest, as Kubernetes picks.</summary>
    private JsonObject? DefaultClass() =>
        _classes.Cache.List().Where(VolumeFacts.IsDefaultClass)
            .OrderByDescending(c => c["metadata"]?["creationTimestamp"]?.ToString() ?? "", StringComparer.Ordinal)
            .ThenBy(c => c.GetName(), StringComparer.Ordinal)
            .FirstOrDefault();

    private void VolumeChanged(JsonObject volume)
    {
        Queue.Add(VolumePrefix + volume.GetName());
        if (VolumeFacts.ClaimRef(volume) is { } r)
        {
            Queue.Add($"{ClaimPrefix}{r.Namespace}/{r.Name}");
        }
        else
        {
            EnqueueUnboundClaims();
        }
    }

    private void ClaimDeleted(JsonObject claim)
    {
        _lastEvent.TryRemove(claim.GetUid(), out _);
        if (VolumeFacts.VolumeName(claim) is { Length: > 0 } volumeName)
        {
            Queue.Add(VolumePrefix + volumeName);
        }

        foreach (var volume in _volumes.Cache.List())
        {
            if (VolumeFacts.ClaimRef(volume) is { } r && r.Namespace == claim.GetNamespace() && r.Name == claim.GetName())
            {
                Queue.Add(VolumePrefix + volume.GetName());
            }
        }
    }

    private void EnqueueUnboundClaims()
    {
        foreach (var claim in _claims.Cache.List())
        {
            if (VolumeFacts.Phase(claim) != "Bound")
            {
                Queue.Add(ClaimPrefix + claim.GetKey());
            }
        }
    }

    private void Normal(JsonObject obj, string reason, string message)
    {
        if (_lastEvent.TryGetValue(obj.GetUid(), out var last) && last == reason + message)
        {
            return;
        }

        _lastEvent[obj.GetUid()] = reason + message;
        _events.Normal(obj, reason, message);
    }

    private void Warn(JsonObject obj, string reason, string message)
    {
        if (_lastEvent.TryGetValue(obj.GetUid(), out var last) && last == reason + message)
        {
            return;
        }

        _lastEvent[obj.GetUid()] = reason + message;
        _events.Warning(obj, reason, message);
    }
}
