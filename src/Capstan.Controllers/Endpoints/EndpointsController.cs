using System.Text.Json.Nodes;
using Capstan.Api.Validation;
using Capstan.Client.Cache;
using Capstan.Client.Dynamic;
using Capstan.Client.Informers;
using Capstan.Client.Reconciling;
using Capstan.Controllers.Pods;
using Capstan.Controllers.Resources;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Capstan.Controllers.Endpoints;

/// <summary>
/// Kubernetes' endpoints controller: keeps a core/v1 Endpoints object, named after its Service, listing the Service's
/// pods (ready addresses and notReadyAddresses, per resolved port set). Services without a selector are left to the
/// user; the Endpoints of a deleted Service are deleted, and at start so are Endpoints whose Service is gone.
/// </summary>
public sealed partial class EndpointsController : Controller
{
    public const string Component = "endpoint-controller";

    private readonly DynamicClient _client;
    private readonly IKubernetes _kube;
    private readonly DynamicInformer _services;
    private readonly DynamicInformer _pods;
    private readonly DynamicInformer _endpoints;
    private readonly ILogger _logger;

    public EndpointsController(SharedInformerFactory informers, ILoggerFactory loggerFactory, int workers = 5, TimeProvider? time = null)
        : base(Component, workers, loggerFactory.CreateLogger<EndpointsController>(), time)
    {
        _client = informers.Client;
        _kube = informers.Client.Kubernetes;
        _logger = loggerFactory.CreateLogger<EndpointsController>();
        _services = informers.For(ServiceResources.Services);
        _pods = informers.For(KnownResources.Pods);
        _endpoints = informers.For(ServiceResources.Endpoints);
        _services.AddEventHandler(new ResourceEventHandler
        {
            OnAdd = s => Queue.Add(s.GetKey()),
            OnUpdate = (_, s) => Queue.Add(s.GetKey()),
            OnDelete = s => Queue.Add(s.GetKey()),
        });
        _pods.AddEventHandler(ServicePodEvents.Handler(_services.Cache, Queue.Add));
        _endpoints.AddEventHandler(new ResourceEventHandler
        {
            // Endpoints left from Services deleted while no controller ran are cleaned up once, at start (as Kubernetes'
            // checkLeftoverEndpoints does); later, Endpoints without a Service are the user's business.
            OnAdd = e =>
            {
                if (!_endpoints.HasSynced && !IsLeaderRecord(e))
                {
                    Queue.Add(e.GetKey());
                }
            },

            // Someone else changed or removed what we wrote: put it back.
            OnUpdate = (_, e) => EnqueueIfService(e),
            OnDelete = EnqueueIfService,
        });
    }

    protected override IReadOnlyCollection<DynamicInformer> Informers => [_services, _pods, _endpoints];

    protected override async Task<ReconcileResult> ReconcileAsync(string key, CancellationToken ct)
    {
        var service = _services.Cache.Get(key);
        var existing = _endpoints.Cache.Get(key);
        var (ns, name) = ObjectMetadata.SplitKey(key);
        if (service is null)
        {
            if (existing is not null && !IsLeaderRecord(existing))
            {
                await _client.DeleteAsync(ServiceResources.Endpoints, ns, name, new DeleteOptions { PreconditionUid = existing.GetUid() }, ct).ConfigureAwait(false);
            }

            return ReconcileResult.Done;
        }

        if (!PodEndpoints.HasSelector(service))
        {
            return ReconcileResult.Done;
        }

        var selector = PodEndpoints.Selector(service);
        var pods = _pods.Cache.ByIndex(IndexedCache.NamespaceIndex, ns).Where(selector.MatchesLabelsOf);
        var computed = EndpointSubsets.Compute(service, pods);
        var labels = PodEndpoints.Labels(service);
        if (existing is not null
            && JsonAccess.SameAs(Subsets(existing), computed.Subsets)
            && JsonAccess.SameAs(existing["metadata"]?["labels"] as JsonObject ?? [], labels)
            && OverCapacity(existing) == computed.Truncated)
        {
            return ReconcileResult.Done;
        }

        var annotations = (existing?["metadata"]?["annotations"] as JsonObject)?.DeepCopy() ?? new JsonObject();
        if (computed.LastChange is { } changed)
        {
            annotations[PodEndpoints.TriggerTimeAnnotation] = Timestamps.Format(changed);
        }
        else
        {
            annotations.Remove(PodEndpoints.TriggerTimeAnnotation);
        }

        if (computed.Truncated)
        {
            annotations[EndpointSubsets.OverCapacityAnnotation] = "truncated";
        }
        else
        {
            annotations.Remove(EndpointSubsets.OverCapacityAnnotation);
        }

        if (existing is null)
        {
            var created = new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "Endpoints",
                ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns, ["labels"] = labels, ["annotations"] = annotations },
            };
            if (computed.Subsets.Count > 0)
            {
                created["subsets"] = computed.Subsets;
            }

            try
            {
                await _kube.CoreV1.CreateNamespacedEndpointsAsync(KubernetesJson.Deserialize<V1Endpoints>(created.ToJsonString()), ns, cancellationToken: ct).ConfigureAwait(false);
            }
            catch (k8s.Autorest.HttpOperationException ex) when (ex.Response.StatusCode == System.Net.HttpStatusCode.Conflict)
            {
                // Created meanwhile (by an earlier sync the cache has not seen, or by the user): the cache event brings us back.
                return ReconcileResult.After(TimeSpan.FromSeconds(1));
            }

            LogWritten(key, "created", Count(computed.Subsets, "addresses"), Count(computed.Subsets, "notReadyAddresses"));
            return ReconcileResult.Done;
        }

        var copy = existing.DeepCopy();
        var meta = (JsonObject)copy["metadata"]!;
        meta["labels"] = labels;
        meta["annotations"] = annotations;
        if (computed.Subsets.Count > 0)
        {
            copy["subsets"] = computed.Subsets;
        }
        else
        {
            copy.Remove("subsets");
        }

        try
        {
            await _client.UpdateAsync(ServiceResources.Endpoints, copy, ct).ConfigureAwait(false);
        }
        catch (ApiRequestException ex) when (ex.IsNotFound || ex.IsConflict)
        {
            // Deleted or changed meanwhile (often our own previous write the cache has not shown yet): its event requeues the Service.
            return ReconcileResult.After(TimeSpan.FromSeconds(1));
        }

        LogWritten(key, "updated", Count(computed.Subsets, "addresses"), Count(computed.Subsets, "notReadyAddresses"));
        return ReconcileResult.Done;
    }

    /// <summary>Leader-election records some old components keep in an Endpoints object; never a Service's endpoints.</summary>
    private static bool IsLeaderRecord(JsonObject endpoints) =>
        (endpoints["metadata"]?["annotations"] as JsonObject)?.Str("control-plane.alpha.kubernetes.io/leader") is not null;

    private static JsonArray Subsets(JsonObject endpoints) => endpoints["subsets"] as JsonArray ?? [];

    private static bool OverCapacity(JsonObject endpoints) =>
        (endpoints["metadata"]?["annotations"] as JsonObject)?.Str(EndpointSubsets.OverCapacityAnnotation) == "truncated";

    private static int Count(JsonArray subsets, string field) => subsets.OfType<JsonObject>().Sum(s => (s[field] as JsonArray)?.Count ?? 0);

    private void EnqueueIfService(JsonObject endpoints)
    {
        if (_services.Cache.Get(endpoints.GetKey()) is not null)
        {
            Queue.Add(endpoints.GetKey());
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Endpoints {Key} {Action}: {Ready} ready, {NotReady} not ready")]
    private partial void LogWritten(string key, string action, int ready, int notReady);
}
