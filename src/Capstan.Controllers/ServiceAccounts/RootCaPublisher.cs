using System.Net;
using Capstan.Client.Dynamic;
using Capstan.Client.Informers;
using Capstan.Client.Reconciling;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Capstan.Controllers.ServiceAccounts;

/// <summary>
/// Kubernetes' root-ca-cert-publisher: a <c>kube-root-ca.crt</c> ConfigMap in every active namespace holding the CA that
/// signs the API server's certificate (<c>ca.crt</c>), which the kube-api-access volume projects into pods. Changed or
/// deleted copies are put back. Only those ConfigMaps are watched (<c>fieldSelector=metadata.name=kube-root-ca.crt</c>).
/// </summary>
public sealed partial class RootCaPublisher : Controller
{
    public const string ConfigMapName = "kube-root-ca.crt";
    public const string DescriptionAnnotation = "kubernetes.io/description";
    public const string Description =
        "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. "
        + "No other usage is guaranteed across distributions of Kubernetes clusters.";

    private static readonly ApiResource ConfigMaps = new("", "v1", "configmaps", "ConfigMap", true, ["create", "get", "list", "watch", "update"]);

    private readonly IKubernetes _kube;
    private readonly string _caPem;
    private readonly DynamicInformer _namespaces;
    private readonly DynamicInformer _configMaps;
    private readonly ILogger _logger;

    public RootCaPublisher(SharedInformerFactory informers, string caPem, ILoggerFactory loggerFactory, int workers = 1, TimeProvider? time = null)
        : base("root-ca-cert-publisher", workers, loggerFactory.CreateLogger<RootCaPublisher>(), time)
    {
        ArgumentException.ThrowIfNullOrEmpty(caPem);
        _kube = informers.Client.Kubernetes;
        _caPem = caPem;
        _logger = loggerFactory.CreateLogger<RootCaPublisher>();
        _namespaces = informers.For(ApiResource.Namespaces);
        _configMaps = new DynamicInformer(
            informers.Client,
            ConfigMaps,
            new InformerOptions { FieldSelector = $"metadata.name={ConfigMapName}" },
            loggerFactory.CreateLogger<DynamicInformer>(),
            time);
        _namespaces.AddEventHandler(new ResourceEventHandler
        {
            OnAdd = ns => Queue.Add(ns.GetName()),
            OnUpdate = (_, ns) => Queue.Add(ns.GetName()),
        });
        _configMaps.AddEventHandler(new ResourceEventHandler
        {
            OnUpdate = (_, cm) => Queue.Add(cm.GetNamespace()),
            OnDelete = cm => Queue.Add(cm.GetNamespace()),
        });
    }

    protected override IReadOnlyCollection<DynamicInformer> Informers => [_namespaces, _configMaps];

    // The ConfigMap informer is this controller's own (the shared factory has no field selectors): it runs with the controller.
    protected override Task InitializeAsync(CancellationToken ct)
    {
        _ = Task.Run(async () =>
        {
            try
            {
                await _configMaps.RunAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }, CancellationToken.None);
        return Task.CompletedTask;
    }

    protected override async Task<ReconcileResult> ReconcileAsync(string key, CancellationToken ct)
    {
        var ns = _namespaces.Cache.Get(key);
        if (ns is null || !ServiceAccountsController.IsActive(ns))
        {
            return ReconcileResult.Done;
        }

        var current = _configMaps.Cache.Get($"{key}/{ConfigMapName}");
        try
        {
            if (current is null)
            {
                await _kube.CoreV1.CreateNamespacedConfigMapAsync(Desired(), key, cancellationToken: ct).ConfigureAwait(false);
                LogPublished(key);
            }
            else if (current["data"]?["ca.crt"]?.GetValue<string>() != _caPem)
            {
                var update = Desired();
                update.Metadata.ResourceVersion = current.GetResourceVersion();
                await _kube.CoreV1.ReplaceNamespacedConfigMapAsync(update, ConfigMapName, key, cancellationToken: ct).ConfigureAwait(false);
                LogPublished(key);
            }
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.NotFound or HttpStatusCode.Forbidden)
        {
            // A lagging cache (the next event brings us back) or a namespace going away.
        }

        return ReconcileResult.Done;
    }

    private V1ConfigMap Desired() => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = ConfigMapName,
            Annotations = new Dictionary<string, string> { [DescriptionAnnotation] = Description },
        },
        Data = new Dictionary<string, string> { ["ca.crt"] = _caPem },
    };

    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "published kube-root-ca.crt in namespace {Namespace}")]
    private partial void LogPublished(string @namespace);
}
