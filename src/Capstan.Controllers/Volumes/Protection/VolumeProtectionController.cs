using Capstan.Client.Dynamic;
using Capstan.Client.Informers;
using Capstan.Client.Reconciling;
using Microsoft.Extensions.Logging;

namespace Capstan.Controllers.Volumes.Protection;

/// <summary>
/// Kubernetes' pv-protection controller: every PersistentVolume carries the <c>kubernetes.io/pv-protection</c> finalizer,
/// and a deleted volume keeps it while it is Bound to a claim.
/// </summary>
public sealed class VolumeProtectionController : Controller
{
    public const string Component = "pv-protection-controller";

    private readonly DynamicClient _client;
    private readonly DynamicInformer _volumes;

    public VolumeProtectionController(SharedInformerFactory informers, ILoggerFactory loggerFactory, int workers = 1, TimeProvider? time = null)
        : base(Component, workers, loggerFactory.CreateLogger<VolumeProtectionController>(), time)
    {
        _client = informers.Client;
        _volumes = informers.For(VolumeResources.PersistentVolumes);
        _volumes.AddEventHandler(new ResourceEventHandler
        {
            OnAdd = v => Queue.Add(v.GetName()),
            OnUpdate = (_, v) => Queue.Add(v.GetName()),
        });
    }

    protected override IReadOnlyCollection<DynamicInformer> Informers => [_volumes];

    protected override async Task<ReconcileResult> ReconcileAsync(string key, CancellationToken ct)
    {
        var volume = _volumes.Cache.Get(key);
        if (volume is null)
        {
            return ReconcileResult.Done;
        }

        var has = volume.HasFinalizer(VolumeAnnotations.VolumeProtection);
        try
        {
            if (!volume.IsBeingDeleted() && !has)
            {
                await _client.UpdateAsync(VolumeResources.PersistentVolumes, Finalizers.With(volume, VolumeAnnotations.VolumeProtection), ct).ConfigureAwait(false);
            }
            else if (volume.IsBeingDeleted() && has && VolumeFacts.Phase(volume) != "Bound")
            {
                await _client.UpdateAsync(VolumeResources.PersistentVolumes, Finalizers.Without(volume, VolumeAnnotations.VolumeProtection), ct).ConfigureAwait(false);
            }
        }
        catch (ApiRequestException ex) when (ex.IsConflict || ex.IsNotFound)
        {
            return ReconcileResult.After(TimeSpan.FromMilliseconds(200));
        }

        return ReconcileResult.Done;
    }
}
