using System.Text.Json.Nodes;
using Capstan.Api.Validation;
using Capstan.Client.Dynamic;
using Capstan.Client.Informers;
using Capstan.Client.Reconciling;
using Capstan.Controllers.Endpoints;
using Capstan.Controllers.EndpointSlice;
using Capstan.Controllers.Events;
using Capstan.Controllers.Resources;
using Microsoft.Extensions.Logging;

namespace Capstan.Controllers.ServiceLoadBalancer;

/// <summary>
/// Capstan's ServiceLB (k3s's idea, without its per-service DaemonSet: the service proxy on every node already listens on
/// LoadBalancer ports): each type LoadBalancer Service without a spec.loadBalancerClass gets the serving nodes' addresses
/// (<see cref="LoadBalancerIngress"/>) as status.loadBalancer.ingress; a Service that stops being a LoadBalancer has the
/// ingress cleared.
/// </summary>
public sealed partial class ServiceLoadBalancerController : Controller
{
    public const string Component = "service-lb-controller";

    private const string SliceServiceIndex = "servicelb-slice-service";

    private readonly ILogger _logger;
    private readonly DynamicClient _client;
    private readonly EventRecorder _events;
    private readonly DynamicInformer _services;
    private readonly DynamicInformer _nodes;
    private readonly DynamicInformer _slices;

    public ServiceLoadBalancerController(SharedInformerFactory informers, ILoggerFactory loggerFactory, int workers = 2, TimeProvider? time = null)
        : base(Component, workers, loggerFactory.CreateLogger<ServiceLoadBalancerController>(), time)
    {
        _logger = loggerFactory.CreateLogger<ServiceLoadBalancerController>();
        _client = informers.Client;
        _events = new EventRecorder(informers.Client.Kubernetes, Component, _logger, Time);
        _services = informers.For(ServiceResources.Services);
        _nodes = informers.For(KnownResources.Nodes);
        _slices = informers.For(ServiceResources.EndpointSlices);
        SliceIndex.Ensure(_slices.Cache, SliceServiceIndex, SliceLabels.ControllerName);
        _services.AddEventHandler(new ResourceEventHandler
        {
            OnAdd = s => Queue.Add(s.GetKey()),
            OnUpdate = (old, s) =>
            {
                if (LoadBalancerIngress.Serves(old) || LoadBalancerIngress.Serves(s))
                {
                    Queue.Add(s.GetKey());
                }
            },
        });
        _nodes.AddEventHandler(new ResourceEventHandler
        {
            OnAdd = _ => EnqueueLoadBalancers(),
            OnUpdate = (old, node) =>
            {
                if (LoadBalancerIngress.IsReady(old) != LoadBalancerIngress.IsReady(node)
                    || !JsonNode.DeepEquals(old["status"]?["addresses"], node["status"]?["addresses"])
                    || !JsonNode.DeepEquals(old["metadata"]?["labels"], node["metadata"]?["labels"]))
                {
                    EnqueueLoadBalancers();
                }
            },
            OnDelete = _ => EnqueueLoadBalancers(),
        });

        // With externalTrafficPolicy Local only nodes with a ready endpoint serve, so their slices matter.
        _slices.AddEventHandler(new ResourceEventHandler
        {
            OnAdd = EnqueueLocalOwner,
            OnUpdate = (_, s) => EnqueueLocalOwner(s),
            OnDelete = EnqueueLocalOwner,
        });
    }

    protected override IReadOnlyCollection<DynamicInformer> Informers => [_services, _nodes, _slices];

    protected override async Task<ReconcileResult> ReconcileAsync(string key, CancellationToken ct)
    {
        var service = _services.Cache.Get(key);
        if (service is null || !string.IsNullOrEmpty((service["spec"] as JsonObject)?.Str("loadBalancerClass")))
        {
            return ReconcileResult.Done;
        }

        var current = service["status"]?["loadBalancer"]?["ingress"] as JsonArray ?? [];
        var serves = LoadBalancerIngress.Serves(service);
        var desired = serves ? LoadBalancerIngress.Compute(service, _nodes.Cache.List(), NodesWithReadyEndpoints(key)) : [];
        if (JsonAccess.SameAs(current, desired))
        {
            return ReconcileResult.Done;
        }

        var copy = service.DeepCopy();
        var status = copy.EnsureObj("status");
        status["loadBalancer"] = desired.Count > 0 ? new JsonObject { ["ingress"] = desired } : new JsonObject();
        try
        {
            await _client.UpdateStatusAsync(ServiceResources.Services, copy, ct).ConfigureAwait(false);
        }
        catch (ApiRequestException ex) when (ex.IsNotFound)
        {
            return ReconcileResult.Done;
        }
        catch (ApiRequestException ex) when (ex.IsConflict)
        {
            // Changed meanwhile: its update event requeues it with the newer object.
            return ReconcileResult.After(TimeSpan.FromSeconds(1));
        }

        var before = string.Join(",", current.Select(i => i?["ip"]?.GetValue<string>()));
        var after = string.Join(",", desired.Select(i => i?["ip"]?.GetValue<string>()));
        LogIngress(key, after);
        if (serves && desired.Count == 0)
        {
            _events.Warning(service, "UnAvailableLoadBalancer", "There are no available nodes for LoadBalancer");
        }
        else if (serves)
        {
            _events.Normal(service, "UpdatedLoadBalancer", $"Updated LoadBalancer with new IPs: [{before}] -> [{after}]");
        }

        return ReconcileResult.Done;
    }

    private HashSet<string> NodesWithReadyEndpoints(string serviceKey)
    {
        var nodes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var slice in _slices.Cache.ByIndex(SliceServiceIndex, serviceKey))
        {
            foreach (var (_, endpoint) in slice.Items("endpoints"))
            {
                if (endpoint["conditions"]?["ready"] is JsonValue ready && ready.GetValue<bool>()
                    && endpoint["targetRef"]?["kind"]?.GetValue<string>() == "Pod"
                    && endpoint.Str("nodeName") is { Length: > 0 } node)
                {
                    nodes.Add(node);
                }
            }
        }

        return nodes;
    }

    private void EnqueueLoadBalancers()
    {
        foreach (var service in _services.Cache.List())
        {
            if (LoadBalancerIngress.Serves(service) || service["status"]?["loadBalancer"]?["ingress"] is JsonArray { Count: > 0 })
            {
                Queue.Add(service.GetKey());
            }
        }
    }

    private void EnqueueLocalOwner(JsonObject slice)
    {
        if (SliceIndex.ServiceKey(slice, SliceLabels.ControllerName) is { } key
            && _services.Cache.Get(key) is { } service
            && LoadBalancerIngress.Serves(service)
            && LoadBalancerIngress.IsLocal(service))
        {
            Queue.Add(key);
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Service {Key}: load balancer ingress {Addresses}")]
    private partial void LogIngress(string key, string addresses);
}
