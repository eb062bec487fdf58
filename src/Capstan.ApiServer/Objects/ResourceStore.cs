using System.Text.Json;
using System.Text.Json.Nodes;
using Capstan.Api.Registry;
using Capstan.Api.Validation;
using Capstan.ApiServer.Caching;
using Capstan.ApiServer.Http;
using Capstan.Storage;

namespace Capstan.ApiServer.Objects;

/// <summary>
/// The generic registry: create, update, delete and read of any built-in resource over <see cref="IStore"/>, with Kubernetes'
/// object semantics (names, uid, timestamps, resourceVersion preconditions, generation, spec/status split, finalizers, graceful deletion).
/// Reads come from the <see cref="WatchCache"/>, after it has caught up with the store.
/// </summary>
public sealed class ResourceStore(IStore store, WatchCache cache, TimeProvider time, Allocation.ServiceAllocator? services = null)
{
    // Service creates are serialised so that two of them never take the same ClusterIP or NodePort.
    private readonly SemaphoreSlim _serviceLock = new(1, 1);

    private const int MaxConflictRetries = 8;
    private const string GenerateNameAlphabet = "bcdfghjklmnpqrstvwxz2456789";

    // Kinds whose metadata.generation tracks spec changes (the others leave it unset, as Kubernetes does).
    private static readonly HashSet<string> GenerationKinds =
    [
        "apps/Deployment", "apps/ReplicaSet", "apps/StatefulSet", "apps/DaemonSet", "batch/Job", "batch/CronJob",
        "autoscaling/HorizontalPodAutoscaler", "policy/PodDisruptionBudget", "networking.k8s.io/Ingress", "networking.k8s.io/NetworkPolicy",
        "/Pod", "rollouts.capstan.io/Canary",
    ];

    public IStore Store => store;

    public WatchCache Cache => cache;

    public TimeProvider Time => time;

    /// <summary>Mutating admission run on every create, after defaulting and before validation.</summary>
    public List<Admission.IMutatingAdmission> Admission { get; } = [];

    /// <summary>Validating admission run on every spec update (PersistentVolumeClaimResize).</summary>
    public List<Admission.IValidatingUpdateAdmission> UpdateAdmission { get; } = [];

    /// <summary>Validating admission run on every create and spec update just before the store write (ResourceQuota).</summary>
    public List<Admission.IValidatingWriteAdmission> WriteValidation { get; } = [];

    /// <summary>Checks on the requester run on every create and update (RBAC escalation prevention).</summary>
    public List<Admission.IWriteGuard> Guards { get; } = [];

    public async Task<JsonObject> GetAsync(ResourceInfo r, string ns, string name, CancellationToken ct)
    {
        await cache.SyncAsync(ct).ConfigureAwait(false);
        var obj = cache.For(r).Get(r.StorageKey(ns, name)) ?? throw ApiException.NotFound(r.GroupResource, name);
        return ObjectCodec.Parse(obj);
    }

    public async Task<CachedObject?> TryGetCachedAsync(ResourceInfo r, string ns, string name, CancellationToken ct)
    {
        await cache.SyncAsync(ct).ConfigureAwait(false);
        return cache.For(r).Get(r.StorageKey(ns, name));
    }

    public async Task<JsonObject> CreateAsync(ResourceInfo r, string ns, JsonObject obj, WriteOptions options, CancellationToken ct)
    {
        if (services is null || r.Group.Length != 0 || r.Kind != "Service")
        {
            return await CreateCoreAsync(r, ns, obj, options, ct).ConfigureAwait(false);
        }

        await _serviceLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            return await CreateCoreAsync(r, ns, obj, options, ct).ConfigureAwait(false);
        }
        finally
        {
            _serviceLock.Release();
        }
    }

    private async Task<JsonObject> CreateCoreAsync(ResourceInfo r, string ns, JsonObject obj, WriteOptions options, CancellationToken ct)
    {
        var meta = ObjectMeta.Metadata(obj);
        CheckNamespaceOfBody(r, ns, meta);
        if (r.Namespaced)
        {
            meta["namespace"] = ns;
            await RequireActiveNamespaceAsync(ns, ct).ConfigureAwait(false);
        }
        else
        {
            meta.Remove("namespace");
        }

        var now = time.GetUtcNow();
        var name = ObjectMeta.Name(obj);
        var generated = name.Length == 0 && ObjectMeta.Str(meta["generateName"]).Length > 0;
        for (var attempt = 0; ; attempt++)
        {
            if (generated)
            {
                name = ObjectMeta.Str(meta["generateName"]) + RandomSuffix();
                meta["name"] = name;
            }

            meta["uid"] = Guid.NewGuid().ToString();
            meta["creationTimestamp"] = ObjectMeta.Timestamp(now);
            meta.Remove("resourceVersion");
            meta.Remove("deletionTimestamp");
            meta.Remove("deletionGracePeriodSeconds");
            meta.Remove("selfLink");
            if (GenerationKinds.Contains($"{r.Group}/{r.Kind}"))
            {
                meta["generation"] = 1;
            }
            else
            {
                meta.Remove("generation");
            }

            if (r.HasStatus && r.Kind != "Node")
            {
                obj.Remove("status");
            }

            CheckFieldTypes(r, obj, $"{r.Kind} in version \"{r.Version}\" cannot be handled as a {r.Kind}: ");
            KindSupport.Default(r, obj);
            KindSupport.PrepareForCreate(r, obj);
            foreach (var admission in Admission)
            {
                admission.AdmitCreate(r, obj);
            }

            if (services is not null && r.Group.Length == 0 && r.Kind == "Service")
            {
                await cache.SyncAsync(ct).ConfigureAwait(false);
                var existing = cache.For(r).List("").Select(c => ObjectCodec.Parse(c));
                var allocationErrors = services.Allocate(obj, existing);
                if (allocationErrors.Count > 0)
                {
                    throw ApiException.Invalid(r.QualifiedKind, name, allocationErrors);
                }
            }

            // Kubernetes reports a create's decoding errors as "<Kind> in version "<v>" cannot be handled as a <Kind>: ...".
            CheckUnknownFields(r, obj, options, $"{r.Kind} in version \"{r.Version}\" cannot be handled as a {r.Kind}: ");
            var errors = KindSupport.ValidateMetadata(r, obj, null).Concat(KindSupport.Validate(r, obj, null)).ToList();
            if (name.Length == 0 && !errors.Any(e => e.Field == "metadata.name"))
            {
                errors.Insert(0, FieldError.Required("metadata.name", "name or generateName is required"));
            }

            if (errors.Count > 0)
            {
                throw ApiException.Invalid(r.QualifiedKind, name, errors);
            }

            foreach (var guard in Guards)
            {
                guard.Check(r, obj, null, options);
            }

            foreach (var admission in WriteValidation)
            {
                await admission.ValidateCreateAsync(r, obj, options, ct).ConfigureAwait(false);
            }

            FieldManagement.RecordCreate(r, obj, options, now);
            if (options.DryRun)
            {
                if (await TryGetCachedAsync(r, ns, name, ct).ConfigureAwait(false) is not null)
                {
                    throw ApiException.AlreadyExists(r.GroupResource, name);
                }

                return obj;
            }

            var result = await store.CreateAsync(r.StorageKey(ns, name), HandedOverValue.Of(ObjectCodec.ToStored(obj)), ct).ConfigureAwait(false);
            if (result.Succeeded)
            {
                ObjectCodec.SetResourceVersion(obj, result.Revision);
                return obj;
            }

            if (!generated || attempt >= 3)
            {
                throw ApiException.AlreadyExists(r.GroupResource, name);
            }
        }
    }

    /// <summary>
    /// Read-modify-write with optimistic concurrency: <paramref name="mutate"/> gets a fresh copy of the stored object and returns the
    /// object to store. When the returned object names a resourceVersion that is not the current one the update fails with 409;
    /// when it names none, a lost race is retried with a fresh read.
    /// </summary>
    public async Task<JsonObject> UpdateAsync(
        ResourceInfo r,
        string ns,
        string name,
        string subresource,
        Func<JsonObject, JsonObject> mutate,
        WriteOptions options,
        CancellationToken ct,
        Func<Task<JsonObject>>? createIfMissing = null)
    {
        var key = r.StorageKey(ns, name);
        for (var attempt = 0; ; attempt++)
        {
            var current = await store.GetAsync(key, ct).ConfigureAwait(false);
            if (current is null)
            {
                if (createIfMissing is not null)
                {
                    return await createIfMissing().ConfigureAwait(false);
                }

                throw ApiException.NotFound(r.GroupResource, name);
            }

            var old = ObjectCodec.Decode(current.Value, current.ModRevision);
            var updated = mutate(old.DeepClone().AsObject());
            var requested = ObjectMeta.ResourceVersion(updated);
            if (requested.Length > 0 && requested != current.ModRevision.ToString(System.Globalization.CultureInfo.InvariantCulture))
            {
                throw ApiException.Conflict(r.GroupResource, name, "the object has been modified; please apply your changes to the latest version and try again");
            }

            var next = PrepareUpdate(r, ns, name, subresource, updated, old, options, out var differs);

            // A field the managedFields comparison saw change already proves the write is not a no-op.
            if (!differs && JsonNode.DeepEquals(next, old))
            {
                return old;
            }

            foreach (var guard in Guards)
            {
                guard.Check(r, next, old, options);
            }

            if (subresource.Length == 0)
            {
                foreach (var admission in WriteValidation)
                {
                    await admission.ValidateUpdateAsync(r, next, old, options, ct).ConfigureAwait(false);
                }
            }

            if (options.DryRun)
            {
                return next;
            }

            var finalize = ObjectMeta.IsDeleting(next) && ObjectMeta.Finalizers(next).Count == 0 && !HasSpecFinalizers(r, next);
            var result = finalize
                ? await store.DeleteAsync(key, current.ModRevision, ct).ConfigureAwait(false)
                : await store.UpdateAsync(key, HandedOverValue.Of(ObjectCodec.ToStored(next)), current.ModRevision, ct).ConfigureAwait(false);
            if (result.Succeeded)
            {
                ObjectCodec.SetResourceVersion(next, result.Revision);
                return next;
            }

            // Lost a race: read again. A resourceVersion the request itself carries is re-checked against the new
            // revision above and fails there; one a patch merely inherited from the stored object does not.
            if (attempt >= MaxConflictRetries)
            {
                throw ApiException.Conflict(r.GroupResource, name, "the object has been modified; please apply your changes to the latest version and try again");
            }
        }
    }

    public async Task<(JsonObject Object, bool Deleted)> DeleteAsync(ResourceInfo r, string ns, string name, DeleteOptions options, CancellationToken ct)
    {
        var key = r.StorageKey(ns, name);
        for (var attempt = 0; ; attempt++)
        {
            var current = await store.GetAsync(key, ct).ConfigureAwait(false) ?? throw ApiException.NotFound(r.GroupResource, name);
            var obj = ObjectCodec.Decode(current.Value, current.ModRevision);
            if (options.PreconditionUid is { Length: > 0 } uid && uid != ObjectMeta.Uid(obj))
            {
                throw ApiException.Conflict(r.GroupResource, name,
                    $"Precondition failed: UID in precondition: {uid}, UID in object meta: {ObjectMeta.Uid(obj)}");
            }

            if (options.PreconditionResourceVersion is { Length: > 0 } rv && rv != ObjectMeta.ResourceVersion(obj))
            {
                throw ApiException.Conflict(r.GroupResource, name,
                    $"Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in meta: {ObjectMeta.ResourceVersion(obj)}");
            }

            var next = obj.DeepClone().AsObject();
            var meta = ObjectMeta.Metadata(next);
            var finalizers = ObjectMeta.Finalizers(next);
            var policy = options.PropagationPolicy;
            if (policy == "Orphan" && !finalizers.Contains("orphan"))
            {
                finalizers.Add("orphan");
            }
            else if (policy == "Foreground" && !finalizers.Contains("foregroundDeletion"))
            {
                finalizers.Add("foregroundDeletion");
            }

            var now = time.GetUtcNow();
            var grace = GracePeriod(r, next, options);
            var pending = finalizers.Count > 0 || HasSpecFinalizers(r, next) || grace > 0;
            if (pending)
            {
                if (ObjectMeta.IsDeleting(obj) && finalizers.SequenceEqual(ObjectMeta.Finalizers(obj))
                    && !(grace >= 0 && grace < (ObjectMeta.Long(meta["deletionGracePeriodSeconds"]) ?? long.MaxValue)))
                {
                    return (obj, false);
                }

                ObjectMeta.SetFinalizers(next, finalizers);
                if (!ObjectMeta.IsDeleting(obj) || grace > 0)
                {
                    meta["deletionTimestamp"] = ObjectMeta.Timestamp(now.AddSeconds(Math.Max(grace, 0)));
                }

                meta["deletionGracePeriodSeconds"] = Math.Max(grace, 0);
                if (r.Group.Length == 0 && r.Kind == "Namespace")
                {
                    next["status"] = new JsonObject { ["phase"] = "Terminating" };
                }
            }

            if (options.DryRun)
            {
                return (next, !pending);
            }

            if (pending && (finalizers.Count > 0 || HasSpecFinalizers(r, next) || grace > 0))
            {
                var update = await store.UpdateAsync(key, HandedOverValue.Of(ObjectCodec.ToStored(next)), current.ModRevision, ct).ConfigureAwait(false);
                if (update.Succeeded)
                {
                    ObjectCodec.SetResourceVersion(next, update.Revision);
                    return (next, false);
                }
            }
            else
            {
                var delete = await store.DeleteAsync(key, current.ModRevision, ct).ConfigureAwait(false);
                if (delete.Succeeded)
                {
                    ObjectCodec.SetResourceVersion(obj, delete.Revision);
                    return (obj, true);
                }
            }

            if (attempt >= MaxConflictRetries)
            {
                throw ApiException.Conflict(r.GroupResource, name, "the object has been modified; please apply your changes to the latest version and try again");
            }
        }
    }

    private JsonObject PrepareUpdate(ResourceInfo r, string ns, string name, string subresource, JsonObject updated, JsonObject old, WriteOptions options, out bool differs)
    {
        var meta = ObjectMeta.Metadata(updated);
        var bodyName = ObjectMeta.Name(updated);
        if (bodyName.Length > 0 && bodyName != name)
        {
            throw ApiException.BadRequest($"the name of the object ({bodyName}) does not match the name on the URL ({name})");
        }

        CheckNamespaceOfBody(r, ns, meta);
        var oldMeta = ObjectMeta.Metadata(old);
        meta["name"] = name;
        if (r.Namespaced)
        {
            meta["namespace"] = ns;
        }
        else
        {
            meta.Remove("namespace");
        }

        foreach (var field in new[] { "uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation", "generateName" })
        {
            if (oldMeta[field] is { } value)
            {
                meta[field] = value.DeepClone();
            }
            else
            {
                meta.Remove(field);
            }
        }

        meta.Remove("selfLink");
        updated["apiVersion"] = r.GroupVersion;
        updated["kind"] = r.Kind;

        if (subresource is "status" or "approval")
        {
            // A status write changes status only: everything else stays as stored. A CSR's approval and status split it further.
            var status = r.Group == "certificates.k8s.io"
                ? Capstan.Api.Kinds.Certificates.CertificateConditions.MergeStatus(old, updated["status"], subresource)
                : updated["status"]?.DeepClone();
            var managed = meta["managedFields"]?.DeepClone();
            updated = old.DeepClone().AsObject();
            if (status is null)
            {
                updated.Remove("status");
            }
            else
            {
                updated["status"] = status;
            }

            if (managed is not null)
            {
                ObjectMeta.Metadata(updated)["managedFields"] = managed;
            }

            meta = ObjectMeta.Metadata(updated);
        }
        // pods/binding writes spec.nodeName and the PodScheduled condition together, as Kubernetes' binding registry does.
        else if (r.HasStatus && subresource != "binding")
        {
            if (old["status"] is { } oldStatus)
            {
                updated["status"] = oldStatus.DeepClone();
            }
            else
            {
                updated.Remove("status");
            }
        }

        if (ObjectMeta.IsDeleting(old))
        {
            var added = ObjectMeta.Finalizers(updated).Except(ObjectMeta.Finalizers(old)).ToList();
            if (added.Count > 0)
            {
                throw ApiException.Invalid(r.QualifiedKind, name,
                    [FieldError.Forbidden("metadata.finalizers", $"no new finalizers can be added if the object is being deleted, found new finalizers []string{{\"{string.Join("\", \"", added)}\"}}")]);
            }
        }

        CheckFieldTypes(r, updated, "");
        KindSupport.Default(r, updated);
        CheckUnknownFields(r, updated, options);

        if (meta["generation"] is not null && subresource is not ("status" or "approval") && SpecChanged(updated, old))
        {
            meta["generation"] = (ObjectMeta.Long(oldMeta["generation"]) ?? 0) + 1;
        }

        // PrepareForUpdate keeps a namespace's spec.finalizers as stored; the finalize subresource is the one way to change them.
        if (subresource is not ("status" or "approval" or "finalize"))
        {
            KindSupport.PrepareForUpdate(r, updated, old);
        }

        // pods/binding only sets spec.nodeName, which the pod's update rules forbid to everyone else (Kubernetes' binding
        // registry writes it without the update validation, too).
        var errors = KindSupport.ValidateMetadata(r, updated, old)
            .Concat(subresource switch
            {
                "status" or "approval" => KindSupport.ValidateStatus(r, updated, old),
                "binding" => [],
                _ => KindSupport.Validate(r, updated, old).Concat(UpdateAdmission.SelectMany(a => a.ValidateUpdate(r, updated, old))),
            })
            .ToList();
        if (errors.Count > 0)
        {
            throw ApiException.Invalid(r.QualifiedKind, name, errors);
        }

        FieldManagement.RecordUpdate(r, old, updated, options, time.GetUtcNow(), subresource, oldIsStored: true, out differs);
        ObjectMeta.Metadata(updated)["resourceVersion"] = oldMeta["resourceVersion"]?.DeepClone();
        return updated;
    }

    private static bool SpecChanged(JsonObject updated, JsonObject old)
    {
        foreach (var (k, v) in updated)
        {
            if (k is "metadata" or "status" or "apiVersion" or "kind")
            {
                continue;
            }

            if (!JsonNode.DeepEquals(v, old[k]))
            {
                return true;
            }
        }

        return old.Any(p => p.Key is not ("metadata" or "status" or "apiVersion" or "kind") && !updated.ContainsKey(p.Key));
    }

    private static bool HasSpecFinalizers(ResourceInfo r, JsonObject obj) =>
        r.Group.Length == 0 && r.Kind == "Namespace" && obj["spec"]?["finalizers"] is JsonArray { Count: > 0 };

    private static long GracePeriod(ResourceInfo r, JsonObject obj, DeleteOptions options)
    {
        if (r.Group.Length != 0 || r.Kind != "Pod")
        {
            return 0;
        }

        // Only a pod that a node runs needs time to stop; an unscheduled or finished pod goes at once.
        var nodeName = ObjectMeta.Str(obj["spec"]?["nodeName"]);
        var phase = ObjectMeta.Str(obj["status"]?["phase"]);
        if (nodeName.Length == 0 || phase is "Succeeded" or "Failed")
        {
            return 0;
        }

        return options.GracePeriodSeconds ?? ObjectMeta.Long(obj["spec"]?["terminationGracePeriodSeconds"]) ?? 30;
    }

    private static void CheckNamespaceOfBody(ResourceInfo r, string ns, JsonObject meta)
    {
        var bodyNs = ObjectMeta.Str(meta["namespace"]);
        if (r.Namespaced && bodyNs.Length > 0 && bodyNs != ns)
        {
            throw ApiException.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
        }
    }

    private static void CheckFieldTypes(ResourceInfo r, JsonObject obj, string prefix)
    {
        if (KindSupport.TypeMismatch(r, obj) is { } mismatch)
        {
            throw ApiException.BadRequest(prefix + mismatch);
        }
    }

    private static void CheckUnknownFields(ResourceInfo r, JsonObject obj, WriteOptions options, string strictPrefix = "")
    {
        if (options.FieldValidation == "Ignore")
        {
            return;
        }

        var unknown = KindSupport.UnknownFields(r, obj).Select(u => u.TrimStart('.')).ToList();
        if (unknown.Count == 0)
        {
            return;
        }

        if (options.FieldValidation == "Strict")
        {
            var list = string.Join(", ", unknown.Select(u => $"unknown field \"{u}\""));
            throw ApiException.BadRequest($"{strictPrefix}strict decoding error: {list}");
        }

        options.Warnings.AddRange(unknown.Select(u => $"unknown field \"{u}\""));
    }

    private async Task RequireActiveNamespaceAsync(string ns, CancellationToken ct)
    {
        var nsResource = cache.Registry.FindKind("", "Namespace")!;
        var cached = cache.For(nsResource).Get(nsResource.StorageKey(null, ns));
        if (cached is null)
        {
            await cache.SyncAsync(ct).ConfigureAwait(false);
            cached = cache.For(nsResource).Get(nsResource.StorageKey(null, ns));
        }

        if (cached is null)
        {
            throw ApiException.NotFound("namespaces", ns);
        }

        using var doc = JsonDocument.Parse(cached.Json);
        if (doc.RootElement.TryGetProperty("metadata", out var m) && m.TryGetProperty("deletionTimestamp", out _))
        {
            throw new ApiException(403, "Forbidden",
                $"unable to create new content in namespace {ns} because it is being terminated",
                new JsonObject
                {
                    ["name"] = ns,
                    ["kind"] = "namespaces",
                    ["causes"] = new JsonArray(new JsonObject
                    {
                        ["reason"] = "NamespaceTerminating",
                        ["message"] = $"namespace {ns} is being terminated",
                        ["field"] = "metadata.namespace",
                    }),
                });
        }
    }

    private static string RandomSuffix() =>
        string.Create(5, 0, static (span, _) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = GenerateNameAlphabet[Random.Shared.Next(GenerateNameAlphabet.Length)];
            }
        });
}
