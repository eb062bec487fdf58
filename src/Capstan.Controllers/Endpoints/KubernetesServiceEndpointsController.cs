using System.Net;
using System.Text.Json.Nodes;
using Capstan.Api.Validation;
using Capstan.Client.Dynamic;
using Capstan.Client.Informers;
using Capstan.Client.Reconciling;
using Capstan.Controllers.EndpointSlice;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Capstan.Controllers.Endpoints;

/// <summary>
/// The API server's own endpoints behind default/kubernetes (a Service without selector that Kubernetes' API server keeps
/// up itself): an Endpoints object labelled skip-mirror and an EndpointSlice named kubernetes, both listing
/// <see cref="ApiServer"/> on port name https, so that the service proxy can forward the Service's cluster IP to it.
/// </summary>
public sealed partial class KubernetesServiceEndpointsController : Controller
{
    public const string Component = "kubernetes-service-endpoints";

    private const string Namespace = "default";
    private const string ServiceName = "kubernetes";
    private const string Key = Namespace + "/" + ServiceName;
    private const string SkipMirrorLabel = "endpointslice.kubernetes.io/skip-mirror";

    private readonly DynamicClient _client;
    private readonly IKubernetes _kube;
    private readonly DynamicInformer _endpoints;
    private readonly DynamicInformer _slices;
    private readonly ILogger _logger;

    public KubernetesServiceEndpointsController(SharedInformerFactory informers, IPEndPoint apiServer, ILoggerFactory loggerFactory, TimeProvider? time = null)
        : base(Component, 1, loggerFactory.CreateLogger<KubernetesServiceEndpointsController>(), time)
    {
        ApiServer = apiServer;
        _client = informers.Client;
        _kube = informers.Client.Kubernetes;
        _logger = loggerFactory.CreateLogger<KubernetesServiceEndpointsController>();
        _endpoints = informers.For(ServiceResources.Endpoints);
        _slices = informers.For(ServiceResources.EndpointSlices);
        var ours = new ResourceEventHandler
        {
            OnAdd = Enqueue,
            OnUpdate = (_, o) => Enqueue(o),
            OnDelete = Enqueue,
        };
        _endpoints.AddEventHandler(ours);
        _slices.AddEventHandler(ours);
        Queue.Add(Key);
    }

    /// <summary>The address and port clients reach this API server on.</summary>
    public IPEndPoint ApiServer { get; }

    protected override IReadOnlyCollection<DynamicInformer> Informers => [_endpoints, _slices];

    protected override async Task<ReconcileResult> ReconcileAsync(string key, CancellationToken ct)
    {
        var ip = ApiServer.Address.ToString();
        var port = ApiServer.Port;
        var subsets = new JsonArray(new JsonObject
        {
            ["addresses"] = new JsonArray(new JsonObject { ["ip"] = ip }),
            ["ports"] = new JsonArray(new JsonObject { ["name"] = "https", ["port"] = port, ["protocol"] = "TCP" }),
        });
        var endpointsLabels = new JsonObject { [SkipMirrorLabel] = "true" };
        var endpoints = _endpoints.Cache.Get(Key);
        if (endpoints is null)
        {
            await CreateAsync(() => _kube.CoreV1.CreateNamespacedEndpointsAsync(
                Typed<V1Endpoints>("v1", "Endpoints", endpointsLabels, new JsonObject { ["subsets"] = subsets }), Namespace, cancellationToken: ct), ct).ConfigureAwait(false);
        }
        else if (!JsonAccess.SameAs(endpoints["subsets"], subsets) || (endpoints["metadata"]?["labels"] as JsonObject)?.Str(SkipMirrorLabel) != "true")
        {
            var copy = endpoints.DeepCopy();
            copy["subsets"] = subsets;
            copy.EnsureObj("metadata").EnsureObj("labels")[SkipMirrorLabel] = "true";
            await _client.UpdateAsync(ServiceResources.Endpoints, copy, ct).ConfigureAwait(false);
        }

        var addressType = PodEndpoints.AddressType(ip) ?? "IPv4";
        var sliceBody = new JsonObject
        {
            ["addressType"] = addressType,
            ["endpoints"] = new JsonArray(new JsonObject { ["addresses"] = new JsonArray(ip), ["conditions"] = new JsonObject { ["ready"] = true } }),
            ["ports"] = new JsonArray(new JsonObject { ["name"] = "https", ["port"] = port, ["protocol"] = "TCP" }),
        };
        var sliceLabels = new JsonObject { [SliceLabels.ServiceName] = ServiceName };
        var slice = _slices.Cache.Get(Key);
        if (slice is not null && slice.StrOrEmpty("addressType") != addressType)
        {
            // addressType is immutable: a slice of the other family is replaced.
            await _client.DeleteAsync(ServiceResources.EndpointSlices, Namespace, ServiceName, new DeleteOptions { PreconditionUid = slice.GetUid() }, ct).ConfigureAwait(false);
            return ReconcileResult.Done;
        }

        if (slice is null)
        {
            await CreateAsync(() => _kube.DiscoveryV1.CreateNamespacedEndpointSliceAsync(
                Typed<V1EndpointSlice>("discovery.k8s.io/v1", "EndpointSlice", sliceLabels, sliceBody), Namespace, cancellationToken: ct), ct).ConfigureAwait(false);
        }
        else if (!JsonAccess.SameAs(slice["endpoints"], sliceBody["endpoints"]) || !JsonAccess.SameAs(slice["ports"], sliceBody["ports"])
                 || (slice["metadata"]?["labels"] as JsonObject)?.Str(SliceLabels.ServiceName) != ServiceName)
        {
            var copy = slice.DeepCopy();
            copy["endpoints"] = sliceBody["endpoints"]!.DeepClone();
            copy["ports"] = sliceBody["ports"]!.DeepClone();
            copy.EnsureObj("metadata")["labels"] = sliceLabels;
            await _client.UpdateAsync(ServiceResources.EndpointSlices, copy, ct).ConfigureAwait(false);
        }

        return ReconcileResult.Done;
    }

    private static T Typed<T>(string apiVersion, string kind, JsonObject labels, JsonObject body)
    {
        var obj = new JsonObject
        {
            ["apiVersion"] = apiVersion,
            ["kind"] = kind,
            ["metadata"] = new JsonObject { ["name"] = ServiceName, ["namespace"] = Namespace, ["labels"] = labels.DeepClone() },
        };
        foreach (var (k, v) in body)
        {
            obj[k] = v?.DeepClone();
        }

        return KubernetesJson.Deserialize<T>(obj.ToJsonString());
    }

    private async Task CreateAsync<T>(Func<Task<T>> create, CancellationToken ct)
    {
        try
        {
            await create().ConfigureAwait(false);
            LogWritten(ApiServer.ToString());
        }
        catch (k8s.Autorest.HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.Conflict)
        {
            // Created meanwhile: the cache event brings us back to compare.
        }

        ct.ThrowIfCancellationRequested();
    }

    private void Enqueue(JsonObject obj)
    {
        if (obj.GetKey() == Key)
        {
            Queue.Add(Key);
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "default/kubernetes endpoints point at {Endpoint}")]
    private partial void LogWritten(string endpoint);
}
