using System.Text.Json.Nodes;
using Capstan.Client.Dynamic;
using Capstan.Client.Informers;
using Capstan.Client.Reconciling;
using Capstan.Controllers.Endpoints;
using Capstan.Controllers.EndpointSlice;
using Microsoft.Extensions.Logging;

namespace Capstan.Controllers.EndpointSliceMirroring;

/// <summary>
/// Kubernetes' EndpointSlice mirroring controller: the user-managed Endpoints of a Service without a selector appear as
/// slices managed by endpointslicemirroring-controller.k8s.io, so slice readers (the proxy, DNS) see them too. The slices
/// go when the Endpoints or the Service go, or when the Service gains a selector.
/// </summary>
public sealed partial class EndpointSliceMirroringController : Controller
{
    public const string Component = "endpointslice-mirroring-controller";

    private const string ServiceIndex = "endpointslice-mirrored-service";

    private const string LastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration";

    private readonly ILogger _logger;
    private readonly DynamicInformer _services;
    private readonly DynamicInformer _endpoints;
    private readonly DynamicInformer _slices;
    private readonly SliceWriter _writer;
    private readonly SliceWriteTracker _tracker = new();

    public EndpointSliceMirroringController(SharedInformerFactory informers, ILoggerFactory loggerFactory, int workers = 5, TimeProvider? time = null)
        : base(Component, workers, loggerFactory.CreateLogger<EndpointSliceMirroringController>(), time)
    {
        _logger = loggerFactory.CreateLogger<EndpointSliceMirroringController>();
        _writer = new SliceWriter(informers.Client);
        _services = informers.For(ServiceResources.Services);
        _endpoints = informers.For(ServiceResources.Endpoints);
        _slices = informers.For(ServiceResources.EndpointSlices);
        SliceIndex.Ensure(_slices.Cache, ServiceIndex, SliceLabels.MirroringControllerName);
        var byKey = new ResourceEventHandler
        {
            OnAdd = o => Queue.Add(o.GetKey()),
            OnUpdate = (_, o) => Queue.Add(o.GetKey()),
            OnDelete = o => Queue.Add(o.GetKey()),
        };
        _services.AddEventHandler(byKey);
        _endpoints.AddEventHandler(byKey);
        _slices.AddEventHandler(new ResourceEventHandler
        {
            OnAdd = EnqueueOwner,
            OnUpdate = (_, s) => EnqueueOwner(s),
            OnDelete = EnqueueOwner,
        });
    }

    protected override IReadOnlyCollection<DynamicInformer> Informers => [_services, _endpoints, _slices];

    protected override async Task<ReconcileResult> ReconcileAsync(string key, CancellationToken ct)
    {
        var slices = _slices.Cache.ByIndex(ServiceIndex, key);
        if (!_tracker.CaughtUp(key, slices))
        {
            return ReconcileResult.After(TimeSpan.FromSeconds(1));
        }

        var service = _services.Cache.Get(key);
        var endpoints = _endpoints.Cache.Get(key);
        if (service is null || PodEndpoints.HasSelector(service) || endpoints is null || !MirroredEndpoints.ShouldMirror(endpoints))
        {
            if (slices.Count > 0)
            {
                await ApplyAsync(key, service ?? endpoints ?? slices[0], new SlicePlan([], [], slices, []), [], [], ct).ConfigureAwait(false);
            }

            return ReconcileResult.Done;
        }

        // Slices of an earlier Service of the same name are the garbage collector's, not ours to reuse.
        slices = [.. slices.Where(s => s.GetOwnerReferences().Any(r => r.Controller && r.Uid == service.GetUid()))];
        var plan = SlicePlanner.Plan(MirroredEndpoints.Compute(endpoints), slices);
        var labels = (endpoints["metadata"]?["labels"] as JsonObject)?.DeepCopy() ?? new JsonObject();
        labels[SliceLabels.ServiceName] = service.GetName();
        labels[SliceLabels.ManagedBy] = SliceLabels.MirroringControllerName;

        // The Endpoints' annotations travel along, except those that describe the Endpoints object itself.
        var annotations = (endpoints["metadata"]?["annotations"] as JsonObject)?.DeepCopy() ?? new JsonObject();
        annotations.Remove(PodEndpoints.TriggerTimeAnnotation);
        annotations.Remove(LastAppliedAnnotation);
        if (await ApplyAsync(key, service, plan, labels, annotations, ct).ConfigureAwait(false) > 0)
        {
            LogSynced(key, plan.Create.Count, plan.Update.Count, plan.Delete.Count);
        }

        return ReconcileResult.Done;
    }

    private async Task<int> ApplyAsync(string key, JsonObject service, SlicePlan plan, JsonObject labels, JsonObject annotations, CancellationToken ct)
    {
        var writes = new Dictionary<string, long?>(StringComparer.Ordinal);
        try
        {
            await _writer.ApplyAsync(service, plan, labels, annotations, SliceWriter.Prefix(service.GetName()), null, writes, ct).ConfigureAwait(false);
        }
        finally
        {
            _tracker.Expect(key, writes);
        }

        return writes.Count;
    }

    private void EnqueueOwner(JsonObject slice)
    {
        if (SliceIndex.ServiceKey(slice, SliceLabels.MirroringControllerName) is { } key)
        {
            Queue.Add(key);
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Mirrored EndpointSlices of {Key}: {Created} created, {Updated} updated, {Deleted} deleted")]
    private partial void LogSynced(string key, int created, int updated, int deleted);
}
