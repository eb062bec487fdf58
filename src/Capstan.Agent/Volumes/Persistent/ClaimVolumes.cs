using System.Collections.Concurrent;
using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Capstan.Agent.Volumes.Persistent;

/// <summary>
/// Resolves a pod's <c>persistentVolumeClaim</c> and generic <c>ephemeral</c> volumes to the host directory of the
/// PersistentVolume their claim is bound to (hostPath or local volumes, the kinds a node can serve itself), and remembers
/// it for the pod's mounts. A claim that is missing, being deleted, unbound or (ephemeral) not the pod's own fails the
/// set-up, so the pod waits with a FailedMount event until the binder and provisioner catch up.
/// </summary>
internal sealed class ClaimVolumes(IKubernetes client, TimeProvider? time = null)
{
    /// <summary>How long an unbound claim is retried quickly and quietly before FailedMount events start.</summary>
    private static readonly TimeSpan BindingGrace = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan BindingPoll = TimeSpan.FromMilliseconds(100);

    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly ConcurrentDictionary<(string PodUid, string Volume), string> _paths = new();
    private readonly ConcurrentDictionary<(string PodUid, string Volume), DateTimeOffset> _waitingSince = new();

    /// <summary>The host path resolved by the last <see cref="SetUpAsync"/>, or null before it succeeded.</summary>
    public string? HostPath(string podUid, string volume) => _paths.GetValueOrDefault((podUid, volume));

    /// <summary>Whether a volume is served through a claim.</summary>
    public static bool Handles(V1Volume volume) => volume.PersistentVolumeClaim is not null || volume.Ephemeral is not null;

    /// <exception cref="VolumeSetupException">The claim or its volume is not usable yet.</exception>
    public async Task SetUpAsync(V1Pod pod, V1Volume volume, CancellationToken ct)
    {
        var ns = pod.Metadata.NamespaceProperty ?? "default";
        var ephemeral = volume.PersistentVolumeClaim is null;
        var claimName = ephemeral ? $"{pod.Metadata.Name}-{volume.Name}" : volume.PersistentVolumeClaim!.ClaimName;
        var claim = await GetAsync(() => client.CoreV1.ReadNamespacedPersistentVolumeClaimAsync(claimName, ns, cancellationToken: ct)).ConfigureAwait(false)
            ?? throw Fail(volume, $"persistentvolumeclaim \"{claimName}\" not found");
        if (ephemeral && claim.Metadata.OwnerReferences?.Any(o => o.Controller == true && o.Uid == pod.Metadata.Uid) != true)
        {
            throw Fail(volume, $"PVC {ns}/{claimName} was not created for the pod (the pod is not its owner)");
        }

        if (claim.Metadata.DeletionTimestamp is not null)
        {
            throw Fail(volume, $"persistentvolumeclaim \"{claimName}\" is being deleted");
        }

        if (string.IsNullOrEmpty(claim.Spec.VolumeName) || claim.Status?.Phase != "Bound")
        {
            // A WaitForFirstConsumer claim is bound (or provisioned) only after its pod was scheduled: poll it closely at first.
            var since = _waitingSince.GetOrAdd((pod.Metadata.Uid, volume.Name), _time.GetUtcNow());
            var quiet = _time.GetUtcNow() - since < BindingGrace;
            throw new VolumeSetupException(volume.Name, $"MountVolume.SetUp failed for volume \"{volume.Name}\" : PVC {ns}/{claimName} is not bound yet", quiet ? BindingPoll : null);
        }

        _waitingSince.TryRemove((pod.Metadata.Uid, volume.Name), out _);

        var pv = await GetAsync(() => client.CoreV1.ReadPersistentVolumeAsync(claim.Spec.VolumeName, cancellationToken: ct)).ConfigureAwait(false)
            ?? throw Fail(volume, $"persistentvolume \"{claim.Spec.VolumeName}\" not found");
        string path;
        if (pv.Spec.HostPath is { } hostPath)
        {
            path = hostPath.Path;
            HostPathTypes.Check(volume.Name, path, hostPath.Type);
        }
        else if (pv.Spec.Local is { } local)
        {
            path = local.Path;
            if (!Directory.Exists(path) && !File.Exists(path))
            {
                throw Fail(volume, $"path \"{path}\" does not exist");
            }
        }
        else
        {
            throw Fail(volume, $"persistentvolume \"{pv.Metadata.Name}\" has a volume type this node cannot mount (only hostPath and local)");
        }

        _paths[(pod.Metadata.Uid, volume.Name)] = path;
    }

    /// <summary>Forgets a pod's resolved paths once it is gone.</summary>
    public void Forget(string podUid)
    {
        foreach (var key in _paths.Keys.Where(k => k.PodUid == podUid))
        {
            _paths.TryRemove(key, out _);
        }

        foreach (var key in _waitingSince.Keys.Where(k => k.PodUid == podUid))
        {
            _waitingSince.TryRemove(key, out _);
        }
    }

    private static VolumeSetupException Fail(V1Volume volume, string why) =>
        new(volume.Name, $"MountVolume.SetUp failed for volume \"{volume.Name}\" : {why}");

    private static async Task<T?> GetAsync<T>(Func<Task<T>> read)
        where T : class
    {
        try
        {
            return await read().ConfigureAwait(false);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }
}
