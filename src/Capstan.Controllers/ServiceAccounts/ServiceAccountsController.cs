using System.Net;
using System.Text.Json.Nodes;
using Capstan.Client.Dynamic;
using Capstan.Client.Informers;
using Capstan.Client.Reconciling;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Capstan.Controllers.ServiceAccounts;

/// <summary>
/// Kubernetes' service-account controller: every active namespace has a <c>default</c> ServiceAccount; one deleted is
/// created again. Keys are namespace names.
/// </summary>
public sealed partial class ServiceAccountsController : Controller
{
    public const string DefaultName = "default";

    private static readonly ApiResource ServiceAccounts = new("", "v1", "serviceaccounts", "ServiceAccount", true, ["create", "get", "list", "watch"]);

    private readonly IKubernetes _kube;
    private readonly DynamicInformer _namespaces;
    private readonly DynamicInformer _accounts;
    private readonly ILogger _logger;

    public ServiceAccountsController(SharedInformerFactory informers, ILoggerFactory loggerFactory, int workers = 1, TimeProvider? time = null)
        : base("serviceaccount-controller", workers, loggerFactory.CreateLogger<ServiceAccountsController>(), time)
    {
        _kube = informers.Client.Kubernetes;
        _logger = loggerFactory.CreateLogger<ServiceAccountsController>();
        _namespaces = informers.For(ApiResource.Namespaces);
        _accounts = informers.For(ServiceAccounts, metadataOnly: true);
        _namespaces.AddEventHandler(new ResourceEventHandler
        {
            OnAdd = ns => Queue.Add(ns.GetName()),
            OnUpdate = (_, ns) => Queue.Add(ns.GetName()),
        });
        _accounts.AddEventHandler(new ResourceEventHandler
        {
            OnDelete = sa =>
            {
                if (sa.GetName() == DefaultName)
                {
                    Queue.Add(sa.GetNamespace());
                }
            },
        });
    }

    protected override IReadOnlyCollection<DynamicInformer> Informers => [_namespaces, _accounts];

    protected override async Task<ReconcileResult> ReconcileAsync(string key, CancellationToken ct)
    {
        var ns = _namespaces.Cache.Get(key);
        if (ns is null || !IsActive(ns) || _accounts.Cache.Get($"{key}/{DefaultName}") is not null)
        {
            return ReconcileResult.Done;
        }

        try
        {
            await _kube.CoreV1.CreateNamespacedServiceAccountAsync(new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = DefaultName } }, key, cancellationToken: ct).ConfigureAwait(false);
            LogCreated(key);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.NotFound or HttpStatusCode.Forbidden)
        {
            // Already there (the cache lags), or the namespace is gone or terminating: nothing to do.
        }

        return ReconcileResult.Done;
    }

    internal static bool IsActive(JsonObject ns) =>
        !ns.IsBeingDeleted() && ns["status"]?["phase"]?.GetValue<string>() is not "Terminating";

    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "created the default ServiceAccount of namespace {Namespace}")]
    private partial void LogCreated(string @namespace);
}
