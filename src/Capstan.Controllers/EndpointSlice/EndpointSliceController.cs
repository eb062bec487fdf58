using System.Text.Json.Nodes;
using Capstan.Api.Validation;
using Capstan.Client.Cache;
using Capstan.Client.Dynamic;
using Capstan.Client.Informers;
using Capstan.Client.Reconciling;
using Capstan.Controllers.Endpoints;
using Capstan.Controllers.Resources;
using Microsoft.Extensions.Logging;

namespace Capstan.Controllers.EndpointSlice;

/// <summary>
/// Kubernetes' EndpointSlice controller: the pods of each Service with a selector as discovery.k8s.io/v1 slices
/// (ready/serving/terminating conditions, at most <see cref="SlicePlanner.DefaultMaxEndpointsPerSlice"/> endpoints each,
/// labelled kubernetes.io/service-name and managed-by endpointslice-controller.k8s.io, owned by the Service), updated in
/// place to keep churn low. Slices of other managers are never touched.
/// </summary>
public sealed partial class EndpointSliceController : Controller
{
    public const string Component = "endpointslice-controller";

    /// <summary>Index of managed slices by their Service's key (namespace/service-name).</summary>
    private const string ServiceIndex = "endpointslice-service";

    private readonly DynamicInformer _services;
    private readonly DynamicInformer _pods;
    private readonly DynamicInformer _nodes;
    private readonly DynamicInformer _slices;
    private readonly SliceWriter _writer;
    private readonly SliceWriteTracker _tracker = new();
    private readonly int _maxEndpointsPerSlice;
    private readonly ILogger _logger;

    public EndpointSliceController(SharedInformerFactory informers, ILoggerFactory loggerFactory, int workers = 5, TimeProvider? time = null, int maxEndpointsPerSlice = SlicePlanner.DefaultMaxEndpointsPerSlice)
        : base(Component, workers, loggerFactory.CreateLogger<EndpointSliceController>(), time)
    {
        _logger = loggerFactory.CreateLogger<EndpointSliceController>();
        _maxEndpointsPerSlice = maxEndpointsPerSlice;
        _writer = new SliceWriter(informers.Client);
        _services = informers.For(ServiceResources.Services);
        _pods = informers.For(KnownResources.Pods);
        _nodes = informers.For(KnownResources.Nodes);
        _slices = informers.For(ServiceResources.EndpointSlices);
        SliceIndex.Ensure(_slices.Cache, ServiceIndex, SliceLabels.ControllerName);
        _services.AddEventHandler(new ResourceEventHandler
        {
            OnAdd = s => Queue.Add(s.GetKey()),
            OnUpdate = (_, s) => Queue.Add(s.GetKey()),
            OnDelete = s =>
            {
                _tracker.Forget(s.GetKey());
                Queue.Add(s.GetKey());
            },
        });
        _pods.AddEventHandler(ServicePodEvents.Handler(_services.Cache, Queue.Add));
        _nodes.AddEventHandler(new ResourceEventHandler
        {
            OnUpdate = (old, node) =>
            {
                if (Zone(old) != Zone(node))
                {
                    foreach (var service in _services.Cache.List())
                    {
                        Queue.Add(service.GetKey());
                    }
                }
            },
        });
        var sliceChanged = new ResourceEventHandler
        {
            OnAdd = EnqueueOwner,
            OnUpdate = (_, s) => EnqueueOwner(s),
            OnDelete = EnqueueOwner,
        };
        _slices.AddEventHandler(sliceChanged);
    }

    protected override IReadOnlyCollection<DynamicInformer> Informers => [_services, _pods, _nodes, _slices];

    protected override async Task<ReconcileResult> ReconcileAsync(string key, CancellationToken ct)
    {
        var slices = _slices.Cache.ByIndex(ServiceIndex, key);
        if (!_tracker.CaughtUp(key, slices))
        {
            // The cache has not seen our last writes yet; their events requeue the key, this is the fallback.
            return ReconcileResult.After(TimeSpan.FromSeconds(1));
        }

        var service = _services.Cache.Get(key);
        if (service is null)
        {
            // The garbage collector removes the slices of a deleted Service through their ownerReference.
            return ReconcileResult.Done;
        }

        // Slices of an earlier Service of the same name are the garbage collector's, not ours to reuse.
        slices = [.. slices.Where(s => s.GetOwnerReferences().Any(r => r.Controller && r.Uid == service.GetUid()))];

        // A Service of another kind now (no selector, ExternalName): its slices come from elsewhere or nowhere.
        if (!PodEndpoints.HasSelector(service) || (service["spec"] as JsonObject)?.Str("type") == "ExternalName")
        {
            if (slices.Count == 0)
            {
                return ReconcileResult.Done;
            }

            await ApplyAsync(key, service, new SlicePlan([], [], slices, []), [], null, ct).ConfigureAwait(false);
            return ReconcileResult.Done;
        }

        var selector = PodEndpoints.Selector(service);
        var pods = _pods.Cache.ByIndex(IndexedCache.NamespaceIndex, service.GetNamespace()).Where(selector.MatchesLabelsOf);
        var groups = SliceEndpoints.Compute(service, pods, node => _nodes.Cache.Get(node) is { } n ? Zone(n) : null, out var lastChange);
        var plan = SlicePlanner.Plan(groups, slices, _maxEndpointsPerSlice);
        var labels = PodEndpoints.Labels(service);
        labels[SliceLabels.ServiceName] = service.GetName();
        labels[SliceLabels.ManagedBy] = SliceLabels.ControllerName;
        if (await ApplyAsync(key, service, plan, labels, lastChange, ct).ConfigureAwait(false) > 0)
        {
            LogSynced(key, plan.Create.Count, plan.Update.Count, plan.Delete.Count);
        }

        return ReconcileResult.Done;
    }

    /// <summary>Writes the plan and has the tracker wait for whatever was written, even when a write fails halfway.</summary>
    private async Task<int> ApplyAsync(string key, JsonObject service, SlicePlan plan, JsonObject labels, DateTimeOffset? lastChange, CancellationToken ct)
    {
        var writes = new Dictionary<string, long?>(StringComparer.Ordinal);
        try
        {
            await _writer.ApplyAsync(service, plan, labels, [], SliceWriter.Prefix(service.GetName()), lastChange, writes, ct).ConfigureAwait(false);
        }
        finally
        {
            _tracker.Expect(key, writes);
        }

        return writes.Count;
    }

    private static string? Zone(JsonObject node) => (node["metadata"]?["labels"] as JsonObject)?.Str(SliceEndpoints.ZoneLabel);

    private void EnqueueOwner(JsonObject slice)
    {
        if (SliceIndex.ServiceKey(slice, SliceLabels.ControllerName) is { } key)
        {
            Queue.Add(key);
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "EndpointSlices of {Key}: {Created} created, {Updated} updated, {Deleted} deleted")]
    private partial void LogSynced(string key, int created, int updated, int deleted);
}
