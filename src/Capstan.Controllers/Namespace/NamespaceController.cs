using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Capstan.Client.Dynamic;
using Capstan.Client.Informers;
using Capstan.Client.Reconciling;
using Microsoft.Extensions.Logging;

namespace Capstan.Controllers.Namespace;

/// <summary>
/// Empties namespaces being deleted: for a namespace with a deletionTimestamp and the "kubernetes" finalizer it deletes
/// every namespaced object of every served resource, reports progress in the namespace's status conditions as Kubernetes
/// does, and once nothing is left removes "kubernetes" through the finalize subresource, after which the server removes the namespace.
/// </summary>
public sealed partial class NamespaceController : Controller
{
    public const string KubernetesFinalizer = "kubernetes";


    private readonly DynamicClient _client;
    private readonly DynamicInformer _namespaces;
    private readonly ILogger _logger;

    public NamespaceController(SharedInformerFactory informers, ILoggerFactory loggerFactory, int workers = 2, TimeProvider? time = null)
        : base("namespace-controller", workers, loggerFactory.CreateLogger<NamespaceController>(), time)
    {
        _client = informers.Client;
        _logger = loggerFactory.CreateLogger<NamespaceController>();
        _namespaces = informers.For(ApiResource.Namespaces);
        _namespaces.AddEventHandler(new ResourceEventHandler
        {
            OnAdd = EnqueueIfDeleting,
            OnUpdate = (_, ns) => EnqueueIfDeleting(ns),
        });
    }

    protected override IReadOnlyCollection<DynamicInformer> Informers => [_namespaces];

    protected override async Task<ReconcileResult> ReconcileAsync(string key, CancellationToken ct)
    {
        // A live read, not the cache: acting on a stale copy could finalize a namespace that was re-created.
        var ns = await _client.GetAsync(ApiResource.Namespaces, null, key, ct).ConfigureAwait(false);
        if (ns is null || !ns.IsBeingDeleted() || !SpecFinalizers(ns).Contains(KubernetesFinalizer))
        {
            return ReconcileResult.Done;
        }

        IReadOnlyList<ApiResource> resources;
        try
        {
            resources = await ApiDiscovery.DiscoverAsync(_client, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await UpdateConditionsAsync(ns, NamespaceConditions.DiscoveryFailed(ex.Message), ct).ConfigureAwait(false);
            throw;
        }

        var deletable = resources.Where(r => r.Namespaced && r.Supports("delete") && r.Supports("list")).ToList();
        var errors = new ConcurrentBag<string>();
        var remaining = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var finalizers = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var longestGrace = TimeSpan.Zero;
        var graceLock = new Lock();
        var now = Time.GetUtcNow();
        await Parallel.ForEachAsync(deletable, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = ct }, async (resource, token) =>
        {
            try
            {
                var left = await DeleteAllAsync(resource, key, token).ConfigureAwait(false);
                if (left.Count > 0)
                {
                    remaining[resource.GroupResource] = left.Count;
                    foreach (var finalizer in left.SelectMany(o => o.GetFinalizers()))
                    {
                        finalizers.AddOrUpdate(finalizer, 1, (_, n) => n + 1);
                    }

                    lock (graceLock)
                    {
                        longestGrace = TimeSpan.FromTicks(Math.Max(longestGrace.Ticks, left.Max(o => GraceLeft(o, now)).Ticks));
                    }
                }
            }
            catch (ApiRequestException ex) when (ex.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed)
            {
                // The resource went away since discovery, or cannot be listed here: nothing of it to delete.
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                errors.Add($"{resource.GroupResource}: {ex.Message}");
            }
        }).ConfigureAwait(false);

        var conditions = NamespaceConditions.Progress([.. errors], remaining, finalizers);
        await UpdateConditionsAsync(ns, conditions, ct).ConfigureAwait(false);
        if (!errors.IsEmpty)
        {
            throw new InvalidOperationException($"deleting the content of namespace {key} failed: {string.Join("; ", errors)}");
        }

        if (!remaining.IsEmpty)
        {
            LogRemaining(key, string.Join(", ", remaining.Select(r => $"{r.Key}: {r.Value}")));
            // As Kubernetes does: half the longest remaining grace period plus a second (1 s when only finalizers hold objects).
            return ReconcileResult.After((longestGrace / 2) + TimeSpan.FromSeconds(1));
        }

        await FinalizeAsync(key, ct).ConfigureAwait(false);
        LogFinalized(key);
        return ReconcileResult.Done;
    }

    /// <summary>Deletes every object of one resource in the namespace and returns what is still there afterwards.</summary>
    private async Task<IReadOnlyList<JsonObject>> DeleteAllAsync(ApiResource resource, string ns, CancellationToken ct)
    {
        if (resource.Supports("deletecollection"))
        {
            await _client.DeleteCollectionAsync(resource, ns, DeleteOptions.Background, ct).ConfigureAwait(false);
        }
        else
        {
            var list = await _client.ListAsync(resource, ns, null, null, ct).ConfigureAwait(false);
            foreach (var obj in list.Items.Where(o => !o.IsBeingDeleted()))
            {
                await _client.DeleteAsync(resource, ns, obj.GetName(), DeleteOptions.Background, ct).ConfigureAwait(false);
            }
        }

        return (await _client.ListAsync(resource, ns, null, null, ct).ConfigureAwait(false)).Items;
    }

    private async Task FinalizeAsync(string name, CancellationToken ct)
    {
        var ns = await _client.GetAsync(ApiResource.Namespaces, null, name, ct).ConfigureAwait(false);
        if (ns is null)
        {
            return;
        }

        var copy = ns.DeepCopy();
        var spec = copy["spec"] as JsonObject ?? new JsonObject();
        copy["spec"] = spec;
        spec["finalizers"] = new JsonArray([.. SpecFinalizers(ns).Where(f => f != KubernetesFinalizer).Select(f => JsonValue.Create(f))]);
        await _client.PutPathAsync($"{ApiResource.Namespaces.ObjectPath(null, name)}/finalize", copy, ct).ConfigureAwait(false);
    }

    private async Task UpdateConditionsAsync(JsonObject ns, IReadOnlyList<JsonObject> conditions, CancellationToken ct)
    {
        var now = Time.GetUtcNow();
        var merged = NamespaceConditions.Merge(ns["status"]?["conditions"] as JsonArray, conditions, now, out var changed);
        if (!changed)
        {
            return;
        }

        var copy = ns.DeepCopy();
        var status = copy["status"] as JsonObject ?? new JsonObject();
        copy["status"] = status;
        status["conditions"] = merged;
        try
        {
            await _client.UpdateStatusAsync(ApiResource.Namespaces, copy, ct).ConfigureAwait(false);
        }
        catch (ApiRequestException ex) when (ex.IsConflict || ex.IsNotFound)
        {
            // A newer namespace (or none): the next pass writes the conditions from fresh state.
        }
    }

    private void EnqueueIfDeleting(JsonObject ns)
    {
        if (ns.IsBeingDeleted())
        {
            Queue.Add(ns.GetName());
        }
    }

    /// <summary>How long a gracefully deleted object (a pod a node still runs) may still take: its deletionTimestamp minus now.</summary>
    private static TimeSpan GraceLeft(JsonObject obj, DateTimeOffset now)
    {
        var value = obj["metadata"]?["deletionTimestamp"]?.GetValue<string>();
        return value is not null && DateTimeOffset.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var at) && at > now
            ? at - now
            : TimeSpan.Zero;
    }

    private static IReadOnlyList<string> SpecFinalizers(JsonObject ns) =>
        ns["spec"]?["finalizers"] is JsonArray a ? [.. a.Select(f => f?.GetValue<string>() ?? "")] : [];

    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "namespace {Namespace} still has content: {Remaining}")]
    private partial void LogRemaining(string @namespace, string remaining);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "namespace {Namespace} is empty; removed the kubernetes finalizer")]
    private partial void LogFinalized(string @namespace);
}
