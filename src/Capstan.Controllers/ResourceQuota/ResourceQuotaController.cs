using System.Text.Json.Nodes;
using Capstan.Api.Quota;
using Capstan.Api.Validation;
using Capstan.Client.Cache;
using Capstan.Client.Dynamic;
using Capstan.Client.Informers;
using Capstan.Client.Reconciling;
using Capstan.Controllers.Resources;
using Microsoft.Extensions.Logging;

namespace Capstan.Controllers.ResourceQuota;

/// <summary>
/// Kubernetes' resource-quota controller: keeps each ResourceQuota's <c>status.hard</c> (its spec.hard) and
/// <c>status.used</c> (what the namespace's matching objects use, counted with <see cref="QuotaEvaluator"/>). Pods,
/// services, claims, secrets and config maps are watched, so a create, delete or finish is counted again at once; other
/// <c>count/&lt;resource&gt;.&lt;group&gt;</c> names are listed at each reconcile and recounted every
/// <see cref="FullRecount"/>. The quota admission charges new objects between recounts. Keys are quota keys.
/// </summary>
public sealed partial class ResourceQuotaController : Controller
{
    public const string Component = "resourcequota-controller";

    /// <summary>How often a quota that counts resources nothing here watches is recounted (Kubernetes' resync period).</summary>
    public static readonly TimeSpan FullRecount = TimeSpan.FromMinutes(5);

    private static readonly string[] Verbs = ["get", "list", "watch", "update"];

    private static readonly ApiResource Quotas = new("", "v1", "resourcequotas", "ResourceQuota", true, Verbs);

    private readonly DynamicClient _client;
    private readonly DynamicInformer _quotas;
    private readonly Dictionary<string, DynamicInformer> _watched;
    private readonly ILogger _logger;
    private IReadOnlyList<ApiResource>? _discovered;

    public ResourceQuotaController(SharedInformerFactory informers, ILoggerFactory loggerFactory, int workers = 1, TimeProvider? time = null)
        : base(Component, workers, loggerFactory.CreateLogger<ResourceQuotaController>(), time)
    {
        _client = informers.Client;
        _logger = loggerFactory.CreateLogger<ResourceQuotaController>();
        _quotas = informers.For(Quotas);
        _watched = new Dictionary<string, DynamicInformer>(StringComparer.Ordinal)
        {
            ["pods"] = informers.For(KnownResources.Pods),
            ["services"] = informers.For(new ApiResource("", "v1", "services", "Service", true, Verbs)),
            ["persistentvolumeclaims"] = informers.For(new ApiResource("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", true, Verbs)),
            ["secrets"] = informers.For(new ApiResource("", "v1", "secrets", "Secret", true, Verbs), metadataOnly: true),
            ["configmaps"] = informers.For(new ApiResource("", "v1", "configmaps", "ConfigMap", true, Verbs), metadataOnly: true),
        };
        _quotas.AddEventHandler(new ResourceEventHandler
        {
            OnAdd = q => Queue.Add(q.GetKey()),
            OnUpdate = (old, q) =>
            {
                if (!JsonNode.DeepEquals(old["spec"], q["spec"]) || q["status"]?["used"] is null)
                {
                    Queue.Add(q.GetKey());
                }
            },
        });
        foreach (var (groupResource, informer) in _watched)
        {
            informer.AddEventHandler(new ResourceEventHandler
            {
                OnAdd = EnqueueQuotasOf,
                OnDelete = EnqueueQuotasOf,
                OnUpdate = (old, obj) =>
                {
                    // Most namespaces have no quota: say so before comparing the two versions.
                    if (_quotas.Cache.CountByIndex(IndexedCache.NamespaceIndex, obj.GetNamespace()) == 0)
                    {
                        return;
                    }

                    if (QuotaEvaluator.Counts(groupResource, old) != QuotaEvaluator.Counts(groupResource, obj) || !JsonNode.DeepEquals(old["spec"], obj["spec"]))
                    {
                        EnqueueQuotasOf(obj);
                    }
                },
            });
        }
    }

    protected override IReadOnlyCollection<DynamicInformer> Informers => [_quotas, .. _watched.Values];

    protected override async Task<ReconcileResult> ReconcileAsync(string key, CancellationToken ct)
    {
        var quota = _quotas.Cache.Get(key);
        if (quota is null)
        {
            return ReconcileResult.Done;
        }

        var ns = quota.GetNamespace();
        var spec = quota["spec"] as JsonObject;
        var hard = ResourceAmounts.Read(spec?.Obj("hard"));
        var previous = ResourceAmounts.Read(quota["status"]?["used"] as JsonObject);
        var used = new ResourceAmounts();
        var listed = false;
        foreach (var group in hard.Keys.GroupBy(QuotaEvaluator.GroupResourceOf))
        {
            var objects = group.Key is null ? null : await ObjectsAsync(group.Key, ns, ct).ConfigureAwait(false);
            listed |= objects is not null && !_watched.ContainsKey(group.Key!);
            if (objects is null)
            {
                // Nothing here can count these: keep what admission charged.
                foreach (var name in group)
                {
                    used[name] = previous.TryGetValue(name, out var q) ? q : Quantity.Zero;
                }

                continue;
            }

            var total = new ResourceAmounts();
            foreach (var obj in objects)
            {
                if (QuotaEvaluator.Counts(group.Key!, obj) && QuotaEvaluator.MatchesScopes(spec, group.Key!, obj))
                {
                    total.AddAll(QuotaEvaluator.Usage(group.Key!, obj));
                }
            }

            foreach (var name in group)
            {
                used[name] = total.TryGetValue(name, out var q) ? q : Quantity.Zero;
            }
        }

        var status = new JsonObject { ["hard"] = hard.ToJson(), ["used"] = used.ToJson() };
        if (!JsonNode.DeepEquals(quota["status"], status))
        {
            var copy = quota.DeepCopy();
            copy["status"] = status;
            try
            {
                await _client.UpdateStatusAsync(Quotas, copy, ct).ConfigureAwait(false);
                LogRecounted(ns, quota.GetName());
            }
            catch (ApiRequestException ex) when (ex.IsNotFound)
            {
            }
            catch (ApiRequestException ex) when (ex.IsConflict)
            {
                // Admission charged the quota meanwhile; count again from the newer version.
                Queue.AddRateLimited(key);
            }
        }

        return listed ? ReconcileResult.After(FullRecount) : ReconcileResult.Done;
    }

    private async Task<IReadOnlyList<JsonObject>?> ObjectsAsync(string groupResource, string ns, CancellationToken ct)
    {
        if (_watched.TryGetValue(groupResource, out var informer))
        {
            return informer.Cache.ByIndex(IndexedCache.NamespaceIndex, ns);
        }

        try
        {
            _discovered ??= await ApiDiscovery.DiscoverAsync(_client, ct).ConfigureAwait(false);
            var resource = _discovered.FirstOrDefault(r => r.GroupResource == groupResource && r.Namespaced && r.Supports("list"));
            return resource is null ? null : (await _client.ListAsync(resource, ns, null, null, ct, metadataOnly: true).ConfigureAwait(false)).Items;
        }
        catch (ApiRequestException ex)
        {
            LogListFailed(groupResource, ns, ex.Message);
            return null;
        }
    }

    private void EnqueueQuotasOf(JsonObject obj)
    {
        foreach (var quota in _quotas.Cache.ByIndex(IndexedCache.NamespaceIndex, obj.GetNamespace()))
        {
            Queue.Add(quota.GetKey());
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "recounted the usage of ResourceQuota {Namespace}/{Name}")]
    private partial void LogRecounted(string @namespace, string name);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "could not list {Resource} in {Namespace} to count quota: {Reason}")]
    private partial void LogListFailed(string resource, string @namespace, string reason);
}
