using System.Text.Json.Nodes;
using Capstan.Client.Cache;
using Capstan.Client.Dynamic;
using Capstan.Client.Informers;
using Capstan.Client.Reconciling;
using Capstan.Controllers.Pods;
using Capstan.Controllers.Resources;
using Microsoft.Extensions.Logging;

namespace Capstan.Controllers.Volumes.Protection;

/// <summary>
/// Kubernetes' pvc-protection controller: every claim carries the <c>kubernetes.io/pvc-protection</c> finalizer, and a
/// deleted claim keeps it (staying Terminating) while a pod that has not finished (phase neither Succeeded nor Failed)
/// names it, directly or as its generic ephemeral volume.
/// </summary>
public sealed class ClaimProtectionController : Controller
{
    public const string Component = "pvc-protection-controller";

    private readonly DynamicClient _client;
    private readonly DynamicInformer _claims;
    private readonly DynamicInformer _pods;

    public ClaimProtectionController(SharedInformerFactory informers, ILoggerFactory loggerFactory, int workers = 2, TimeProvider? time = null)
        : base(Component, workers, loggerFactory.CreateLogger<ClaimProtectionController>(), time)
    {
        _client = informers.Client;
        _claims = informers.For(VolumeResources.PersistentVolumeClaims);
        _pods = informers.For(KnownResources.Pods);
        _claims.AddEventHandler(new ResourceEventHandler
        {
            OnAdd = c => Queue.Add(c.GetKey()),
            OnUpdate = (_, c) => Queue.Add(c.GetKey()),
        });
        _pods.AddEventHandler(new ResourceEventHandler
        {
            OnUpdate = (_, p) => EnqueueClaimsOf(p),
            OnDelete = EnqueueClaimsOf,
        });
    }

    protected override IReadOnlyCollection<DynamicInformer> Informers => [_claims, _pods];

    protected override async Task<ReconcileResult> ReconcileAsync(string key, CancellationToken ct)
    {
        var claim = _claims.Cache.Get(key);
        if (claim is null)
        {
            return ReconcileResult.Done;
        }

        var has = claim.HasFinalizer(VolumeAnnotations.ClaimProtection);
        try
        {
            if (!claim.IsBeingDeleted())
            {
                if (!has)
                {
                    await _client.UpdateAsync(VolumeResources.PersistentVolumeClaims, Finalizers.With(claim, VolumeAnnotations.ClaimProtection), ct).ConfigureAwait(false);
                }

                return ReconcileResult.Done;
            }

            if (!has || InUse(_pods.Cache.ByIndex(IndexedCache.NamespaceIndex, claim.GetNamespace()), claim.GetName()))
            {
                return ReconcileResult.Done;
            }

            // The cache may lag a pod created a moment ago: the server has the last word before the claim goes.
            var live = await _client.ListAsync(KnownResources.Pods, claim.GetNamespace(), null, null, ct).ConfigureAwait(false);
            if (InUse(live.Items, claim.GetName()))
            {
                return ReconcileResult.Done;
            }

            await _client.UpdateAsync(VolumeResources.PersistentVolumeClaims, Finalizers.Without(claim, VolumeAnnotations.ClaimProtection), ct).ConfigureAwait(false);
        }
        catch (ApiRequestException ex) when (ex.IsConflict || ex.IsNotFound)
        {
            return ReconcileResult.After(TimeSpan.FromMilliseconds(200));
        }

        return ReconcileResult.Done;
    }

    /// <summary>Whether a pod that has not finished names the claim.</summary>
    public static bool InUse(IEnumerable<JsonObject> pods, string claimName) =>
        pods.Any(p => !PodFacts.IsTerminal(p) && VolumeFacts.ClaimNames(p).Contains(claimName, StringComparer.Ordinal));

    private void EnqueueClaimsOf(JsonObject pod)
    {
        foreach (var name in VolumeFacts.ClaimNames(pod))
        {
            Queue.Add($"{pod.GetNamespace()}/{name}");
        }
    }
}
