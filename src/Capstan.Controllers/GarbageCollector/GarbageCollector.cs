using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Capstan.Client.Dynamic;
using Capstan.Client.Informers;
using Capstan.Client.Reconciling;
using Microsoft.Extensions.Logging;

namespace Capstan.Controllers.GarbageCollector;

/// <summary>
/// Kubernetes' garbage collector. Informers on every served resource build a graph of objects by uid with their
/// ownerReferences. A dependent whose owners are all gone (confirmed by a live GET: caches lag) is deleted in the
/// background; an owner deleted in the foreground (finalizer foregroundDeletion) has its dependents deleted and keeps
/// its finalizer until no dependent with blockOwnerDeletion remains; an owner deleted with the orphan finalizer has its
/// reference removed from every dependent, then loses the finalizer. A namespaced owner is looked up only in its
/// dependent's namespace; a cluster-scoped dependent cannot be owned by a namespaced kind.
/// </summary>
public sealed partial class GarbageCollector : Controller
{
    public const string ForegroundDeletionFinalizer = "foregroundDeletion";
    public const string OrphanFinalizer = "orphan";

    private const string DeletePrefix = "delete/";
    private const string OrphanPrefix = "orphan/";
    private const int MaxAbsentOwners = 10_000;
    private const int MaxUpdateAttempts = 5;
    private static readonly TimeSpan RediscoveryPeriod = TimeSpan.FromSeconds(30);

    // Kubernetes' GC ignores events: they are many, short-lived and never owners.
    private static readonly HashSet<string> IgnoredResources = ["events", "events.events.k8s.io"];

    private readonly SharedInformerFactory _factory;
    private readonly DynamicClient _client;
    private readonly ILogger _logger;
    private readonly DependencyGraph _graph = new();
    private readonly ConcurrentDictionary<string, byte> _absentOwners = new(StringComparer.Ordinal);
    private readonly List<DynamicInformer> _informers = [];
    private readonly HashSet<string> _watched = new(StringComparer.Ordinal);
    private ResourceMapper _mapper = new([]);

    public GarbageCollector(SharedInformerFactory informers, ILoggerFactory loggerFactory, int workers = 4, TimeProvider? time = null)
        : base("garbage-collector", workers, loggerFactory.CreateLogger<GarbageCollector>(), time)
    {
        _factory = informers;
        _client = informers.Client;
        _logger = loggerFactory.CreateLogger<GarbageCollector>();
    }

    protected override IReadOnlyCollection<DynamicInformer> Informers => _informers;

    protected override async Task InitializeAsync(CancellationToken ct)
    {
        var resources = await ApiDiscovery.DiscoverAsync(_client, ct).ConfigureAwait(false);
        _mapper = new ResourceMapper(resources);
        _informers.AddRange(WatchNew(resources));
        LogWatching(_informers.Count);
        _ = Task.Run(() => RediscoverAsync(ct), CancellationToken.None);
    }

    /// <summary>Picks up resources served later (new API groups) every <see cref="RediscoveryPeriod"/>, as Kubernetes' GC resyncs its monitors.</summary>
    private async Task RediscoverAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(RediscoveryPeriod, Time, ct).ConfigureAwait(false);
                var resources = await ApiDiscovery.DiscoverAsync(_client, ct).ConfigureAwait(false);
                _mapper = new ResourceMapper(resources);
                var added = WatchNew(resources);
                if (added.Count > 0)
                {
                    LogWatching(added.Count);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogRediscoveryFailed(ex);
            }
        }
    }

    /// <summary>Starts informers (with the graph's handlers) for the resources not yet watched; returns them.</summary>
    private List<DynamicInformer> WatchNew(IEnumerable<ApiResource> resources)
    {
        var added = new List<DynamicInformer>();
        foreach (var resource in resources)
        {
            if (!resource.Supports("list") || !resource.Supports("watch") || !resource.Supports("delete")
                || IgnoredResources.Contains(resource.GroupResource) || !_watched.Add(resource.ToString()))
            {
                continue;
            }

            // Handlers only: the graph is the collector's own view, so the informer's cache is never read.
            var informer = _factory.ForMetadataEvents(resource);
            informer.AddEventHandler(new ResourceEventHandler
            {
                OnAdd = obj => OnUpsert(resource, obj),
                OnUpdate = (_, obj) => OnUpsert(resource, obj),
                OnDelete = OnDelete,
            });
            added.Add(informer);
        }

        return added;
    }

    protected override Task<ReconcileResult> ReconcileAsync(string key, CancellationToken ct) =>
        key.StartsWith(OrphanPrefix, StringComparison.Ordinal)
            ? OrphanDependentsAsync(key[OrphanPrefix.Length..], ct)
            : AttemptToDeleteAsync(key[DeletePrefix.Length..], ct);

    private void OnUpsert(ApiResource resource, JsonObject obj)
    {
        var node = GraphNode.From(resource, obj);
        if (node.Uid.Length == 0)
        {
            return;
        }

        var old = _graph.Upsert(node);
        if (node.Owners.Count > 0 && (old is null || !SameOwners(old, node)))
        {
            Queue.Add(DeletePrefix + node.Uid);
        }

        if (old is not null)
        {
            // An owner waiting for its dependents may be unblocked by a dependent that dropped or unblocked its reference.
            foreach (var gone in old.Owners.Where(o => o.BlockOwnerDeletion && !node.BlocksOwner(o.Uid)))
            {
                if (_graph.Get(gone.Uid) is { DeletingDependents: true })
                {
                    Queue.Add(DeletePrefix + gone.Uid);
                }
            }
        }

        if (node.DeletingDependents)
        {
            Queue.Add(DeletePrefix + node.Uid);
            if (old is not { DeletingDependents: true })
            {
                foreach (var dependent in _graph.DependentsOf(node.Uid))
                {
                    Queue.Add(DeletePrefix + dependent.Uid);
                }
            }
        }

        if (node.Orphaning)
        {
            Queue.Add(OrphanPrefix + node.Uid);
        }
    }

    private void OnDelete(JsonObject obj)
    {
        var uid = obj.GetUid();
        var node = _graph.Remove(uid);
        RememberAbsent(uid);
        foreach (var dependent in _graph.DependentsOf(uid))
        {
            Queue.Add(DeletePrefix + dependent.Uid);
        }

        foreach (var owner in node?.Owners ?? obj.GetOwnerReferences())
        {
            if (_graph.Get(owner.Uid) is { DeletingDependents: true })
            {
                Queue.Add(DeletePrefix + owner.Uid);
            }
        }
    }

    /// <summary>Decides, from live state, whether the object must go: client-go's attemptToDeleteItem.</summary>
    private async Task<ReconcileResult> AttemptToDeleteAsync(string uid, CancellationToken ct)
    {
        var node = _graph.Get(uid);
        if (node is null)
        {
            return ReconcileResult.Done;
        }

        var live = await _client.GetAsync(node.Resource, node.Namespace, node.Name, ct).ConfigureAwait(false);
        if (live is null || live.GetUid() != uid)
        {
            // Gone already; its informer will report the deletion and enqueue its dependents.
            return ReconcileResult.Done;
        }

        if (live.IsBeingDeleted())
        {
            if (live.HasFinalizer(ForegroundDeletionFinalizer))
            {
                await ProcessDeletingDependentsAsync(node, ct).ConfigureAwait(false);
            }

            return ReconcileResult.Done;
        }

        var owners = live.GetOwnerReferences();
        if (owners.Count == 0)
        {
            return ReconcileResult.Done;
        }

        var solid = new List<OwnerReference>();
        var dangling = new List<OwnerReference>();
        var waiting = new List<OwnerReference>();
        foreach (var owner in owners)
        {
            switch (await OwnerStateAsync(owner, node, ct).ConfigureAwait(false))
            {
                case OwnerState.Exists or OwnerState.Unresolvable:
                    solid.Add(owner);
                    break;
                case OwnerState.Absent:
                    dangling.Add(owner);
                    break;
                case OwnerState.WaitingForDependents:
                    waiting.Add(owner);
                    break;
            }
        }

        if (solid.Count > 0)
        {
            // Still owned: drop the references to absent owners, and stop blocking owners that wait for us (we stay).
            if (dangling.Count > 0 || waiting.Any(w => w.BlockOwnerDeletion))
            {
                var danglingUids = dangling.Select(d => d.Uid).ToHashSet(StringComparer.Ordinal);
                var waitingUids = waiting.Select(w => w.Uid).ToHashSet(StringComparer.Ordinal);
                await UpdateLiveAsync(node, copy => RewriteOwnerReferences(copy, danglingUids, waitingUids), ct).ConfigureAwait(false);
            }

            return ReconcileResult.Done;
        }

        var policy = waiting.Count > 0 && _graph.DependentsOf(uid).Count > 0 ? "Foreground"
            : live.HasFinalizer(OrphanFinalizer) ? "Orphan"
            : live.HasFinalizer(ForegroundDeletionFinalizer) ? "Foreground"
            : "Background";
        LogDeleting(node.ToString(), policy);
        await _client.DeleteAsync(node.Resource, node.Namespace, node.Name, new DeleteOptions { PropagationPolicy = policy, PreconditionUid = uid }, ct).ConfigureAwait(false);
        return ReconcileResult.Done;
    }

    /// <summary>An owner deleted in the foreground: delete its dependents; drop its finalizer once none blocks it.</summary>
    private async Task ProcessDeletingDependentsAsync(GraphNode owner, CancellationToken ct)
    {
        var blocking = _graph.DependentsOf(owner.Uid).Where(d => d.BlocksOwner(owner.Uid)).ToList();
        if (blocking.Count == 0)
        {
            LogForegroundDone(owner.ToString());
            await UpdateLiveAsync(owner, copy => RemoveFinalizer(copy, ForegroundDeletionFinalizer), ct).ConfigureAwait(false);
            return;
        }

        foreach (var dependent in blocking.Where(d => !d.BeingDeleted || d.DeletingDependents))
        {
            Queue.Add(DeletePrefix + dependent.Uid);
        }
    }

    /// <summary>An owner deleted with the orphan finalizer: remove its reference from every dependent, then the finalizer.</summary>
    private async Task<ReconcileResult> OrphanDependentsAsync(string uid, CancellationToken ct)
    {
        var owner = _graph.Get(uid);
        if (owner is null || !owner.Orphaning)
        {
            return ReconcileResult.Done;
        }

        foreach (var dependent in _graph.DependentsOf(uid))
        {
            await UpdateLiveAsync(dependent, copy => RewriteOwnerReferences(copy, new HashSet<string>(StringComparer.Ordinal) { uid }, new HashSet<string>()), ct).ConfigureAwait(false);
        }

        LogOrphaned(owner.ToString());
        await UpdateLiveAsync(owner, copy => RemoveFinalizer(copy, OrphanFinalizer), ct).ConfigureAwait(false);
        return ReconcileResult.Done;
    }

    private async Task<OwnerState> OwnerStateAsync(OwnerReference owner, GraphNode dependent, CancellationToken ct)
    {
        if (_absentOwners.ContainsKey(owner.Uid))
        {
            return OwnerState.Absent;
        }

        var resource = _mapper.ForKind(owner.Group, owner.Kind)
            ?? throw new InvalidOperationException($"{dependent} names an owner of unknown kind {owner.ApiVersion}/{owner.Kind}");
        if (resource.Namespaced && !dependent.Resource.Namespaced)
        {
            LogInvalidOwner(dependent.ToString(), owner.Kind, owner.Name);
            return OwnerState.Unresolvable;
        }

        var live = await _client.GetAsync(resource, resource.Namespaced ? dependent.Namespace : null, owner.Name, ct).ConfigureAwait(false);
        if (live is null || live.GetUid() != owner.Uid)
        {
            RememberAbsent(owner.Uid);
            return OwnerState.Absent;
        }

        return live.IsBeingDeleted() && live.HasFinalizer(ForegroundDeletionFinalizer) ? OwnerState.WaitingForDependents : OwnerState.Exists;
    }

    /// <summary>Reads the live object, lets <paramref name="mutate"/> change a copy, and writes it back, retrying on conflicts.</summary>
    private async Task UpdateLiveAsync(GraphNode node, Func<JsonObject, bool> mutate, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var live = await _client.GetAsync(node.Resource, node.Namespace, node.Name, ct).ConfigureAwait(false);
            if (live is null || live.GetUid() != node.Uid)
            {
                return;
            }

            var copy = live.DeepCopy();
            if (!mutate(copy))
            {
                return;
            }

            try
            {
                await _client.UpdateAsync(node.Resource, copy, ct).ConfigureAwait(false);
                return;
            }
            catch (ApiRequestException ex) when (ex.IsNotFound)
            {
                return;
            }
            catch (ApiRequestException ex) when (ex.IsConflict && attempt < MaxUpdateAttempts)
            {
            }
        }
    }

    private static bool RemoveFinalizer(JsonObject obj, string finalizer)
    {
        if (obj["metadata"]?["finalizers"] is not JsonArray finalizers)
        {
            return false;
        }

        var kept = finalizers.Where(f => f?.GetValue<string>() != finalizer).Select(f => f!.DeepClone()).ToArray();
        if (kept.Length == finalizers.Count)
        {
            return false;
        }

        obj["metadata"]!["finalizers"] = new JsonArray(kept);
        return true;
    }

    /// <summary>Removes references to <paramref name="remove"/> and sets blockOwnerDeletion false on those to <paramref name="unblock"/>.</summary>
    private static bool RewriteOwnerReferences(JsonObject obj, IReadOnlySet<string> remove, IReadOnlySet<string> unblock)
    {
        if (obj["metadata"]?["ownerReferences"] is not JsonArray refs)
        {
            return false;
        }

        var changed = false;
        var kept = new List<JsonNode>();
        foreach (var r in refs.OfType<JsonObject>())
        {
            var uid = r["uid"]?.GetValue<string>() ?? "";
            if (remove.Contains(uid))
            {
                changed = true;
                continue;
            }

            var copy = (JsonObject)r.DeepClone();
            if (unblock.Contains(uid) && copy["blockOwnerDeletion"]?.GetValue<bool>() == true)
            {
                copy["blockOwnerDeletion"] = false;
                changed = true;
            }

            kept.Add(copy);
        }

        var metadata = (JsonObject)obj["metadata"]!;
        if (kept.Count == 0)
        {
            metadata.Remove("ownerReferences");
        }
        else
        {
            metadata["ownerReferences"] = new JsonArray([.. kept]);
        }

        return changed;
    }

    private static bool SameOwners(GraphNode a, GraphNode b) =>
        a.Owners.Count == b.Owners.Count && a.Owners.Zip(b.Owners).All(p => p.First == p.Second);

    private void RememberAbsent(string uid)
    {
        if (uid.Length == 0)
        {
            return;
        }

        // A crude bound instead of an LRU: uids are never reused, so forgetting them all only costs extra GETs.
        if (_absentOwners.Count >= MaxAbsentOwners)
        {
            _absentOwners.Clear();
        }

        _absentOwners.TryAdd(uid, 0);
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "garbage collector watching {Count} resources")]
    private partial void LogWatching(int count);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "deleting {Object} (owners gone), propagation {Policy}")]
    private partial void LogDeleting(string @object, string policy);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "{Object}: no blocking dependents left; removing foregroundDeletion")]
    private partial void LogForegroundDone(string @object);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "{Object}: dependents orphaned; removing orphan finalizer")]
    private partial void LogOrphaned(string @object);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "{Object} is cluster-scoped but names the namespaced {Kind} {Name} as owner (OwnerRefInvalidNamespace); it will not be collected through it")]
    private partial void LogInvalidOwner(string @object, string kind, string name);

    [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "garbage collector could not rediscover resources")]
    private partial void LogRediscoveryFailed(Exception ex);
}
