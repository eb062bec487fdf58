using System.Text.Json.Nodes;
using Capstan.Api.Validation;
using Capstan.Client.Dynamic;
using Capstan.Client.Informers;
using Capstan.Client.Reconciling;
using Capstan.Controllers.Endpoints;
using Capstan.Controllers.Resources;
using Microsoft.Extensions.Logging;

namespace Capstan.Controllers.ServiceLoadBalancer;

/// <summary>
/// Capstan's ServiceLB (k3s's idea, without its per-service DaemonSet: the service proxy on every node already listens on
/// LoadBalancer ports): each type LoadBalancer Service without a spec.loadBalancerClass gets the ready nodes' addresses as
/// status.loadBalancer.ingress; a Service that stops being one of ours has the ingress it got from us cleared.
/// </summary>
public sealed partial class ServiceLoadBalancerController : Controller
{
    public const string Component = "service-lb-controller";

    private readonly DynamicClient _client;
    private readonly ILogger _logger;
    private readonly DynamicInformer _services;
    private readonly DynamicInformer _nodes;

    public ServiceLoadBalancerController(SharedInformerFactory informers, ILoggerFactory loggerFactory, int workers = 2, TimeProvider? time = null)
        : base(Component, workers, loggerFactory.CreateLogger<ServiceLoadBalancerController>(), time)
    {
        _logger = loggerFactory.CreateLogger<ServiceLoadBalancerController>();
        _client = informers.Client;
        _services = informers.For(ServiceResources.Services);
        _nodes = informers.For(KnownResources.Nodes);
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
        var nodesChanged = new ResourceEventHandler
        {
            OnAdd = _ => EnqueueLoadBalancers(),
            OnUpdate = (old, node) =>
            {
                if (LoadBalancerIngress.IsReady(old) != LoadBalancerIngress.IsReady(node)
                    || !JsonNode.DeepEquals(old["status"]?["addresses"], node["status"]?["addresses"]))
                {
                    EnqueueLoadBalancers();
                }
            },
            OnDelete = _ => EnqueueLoadBalancers(),
        };
        _nodes.AddEventHandler(nodesChanged);
    }

    protected override IReadOnlyCollection<DynamicInformer> Informers => [_services, _nodes];

    protected override async Task<ReconcileResult> ReconcileAsync(string key, CancellationToken ct)
    {
        var service = _services.Cache.Get(key);
        if (service is null || !string.IsNullOrEmpty((service["spec"] as JsonObject)?.Str("loadBalancerClass")))
        {
            return ReconcileResult.Done;
        }

        var current = service["status"]?["loadBalancer"]?["ingress"] as JsonArray ?? [];
        var desired = LoadBalancerIngress.Serves(service) ? LoadBalancerIngress.Compute(_nodes.Cache.List()) : [];
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

        LogIngress(key, string.Join(",", desired.Select(i => i?["ip"]?.GetValue<string>())));
        return ReconcileResult.Done;
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

    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Service {Key}: load balancer ingress {Addresses}")]
    private partial void LogIngress(string key, string addresses);
}
