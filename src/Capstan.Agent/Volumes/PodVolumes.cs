using System.Text;
using Capstan.Agent.Env;
using k8s.Models;

namespace Capstan.Agent.Volumes;

/// <summary>
/// Host directories for a pod's volumes under &lt;data-dir&gt;/pods/&lt;uid&gt;/volumes/&lt;plugin&gt;/&lt;name&gt;: emptyDir
/// (a plain directory, medium Memory too), hostPath (the host path itself), and configMap, secret, downwardAPI and
/// projected volumes, whose files are written from the API and swapped atomically (<see cref="Config.AtomicWriter"/>) when their content changes.
/// </summary>
internal sealed class PodVolumes(AgentOptions options, IConfigSource config, EnvBuilder env, Persistent.ClaimVolumes? claims = null)
{
    private const int DefaultMode = 0b110_100_100; // 0644

    /// <summary>The host path that backs <paramref name="volume"/>, or null for a type this agent does not support.</summary>
    public string? HostPath(string podUid, V1Volume volume) => volume switch
    {
        { EmptyDir: not null } => options.EmptyDirPath(podUid, volume.Name),
        { HostPath: not null } => volume.HostPath.Path,
        { ConfigMap: not null } => PluginDir(podUid, "kubernetes.io~configmap", volume.Name),
        { Secret: not null } => PluginDir(podUid, "kubernetes.io~secret", volume.Name),
        { DownwardAPI: not null } => PluginDir(podUid, "kubernetes.io~downward-api", volume.Name),
        { Projected: not null } => PluginDir(podUid, "kubernetes.io~projected", volume.Name),
        _ when Persistent.ClaimVolumes.Handles(volume) => claims?.HostPath(podUid, volume.Name),
        _ => null,
    };

    /// <summary>Drops what was remembered about a pod that is gone (its claims' resolved paths).</summary>
    public void Forget(string podUid) => claims?.Forget(podUid);

    /// <summary>Whether containers see the volume read-only whatever their volumeMount says (the API-backed ones).</summary>
    public static bool IsReadOnly(V1Volume volume) => volume.ConfigMap is not null || volume.Secret is not null || volume.DownwardAPI is not null || volume.Projected is not null
        || volume.PersistentVolumeClaim?.ReadOnlyProperty == true;

    /// <summary>Creates or refreshes every volume of the pod.</summary>
    /// <exception cref="VolumeSetupException">A required ConfigMap, Secret or key is missing.</exception>
    public async Task SetUpAsync(V1Pod pod, string? podIp, CancellationToken ct)
    {
        var uid = pod.Metadata.Uid;
        foreach (var volume in pod.Spec.Volumes ?? [])
        {
            if (volume.EmptyDir is not null)
            {
                if (volume.EmptyDir.Medium == "Memory")
                {
                    MemoryEmptyDir.EnsureMounted(volume.Name, options.EmptyDirPath(uid, volume.Name));
                }

                Directory.CreateDirectory(options.EmptyDirPath(uid, volume.Name));
                continue;
            }

            if (volume.HostPath is { } hostPath)
            {
                HostPathTypes.Check(volume.Name, hostPath.Path, hostPath.Type);
                continue;
            }

            if (claims is not null && Persistent.ClaimVolumes.Handles(volume))
            {
                await claims.SetUpAsync(pod, volume, ct).ConfigureAwait(false);
                continue;
            }

            var files = await FilesAsync(pod, volume, podIp, ct).ConfigureAwait(false);
            if (files is not null)
            {
                Config.AtomicWriter.Write(HostPath(uid, volume)!, files);
            }
        }
    }

    private async Task<Dictionary<string, (byte[] Content, int Mode)>?> FilesAsync(V1Pod pod, V1Volume volume, string? podIp, CancellationToken ct)
    {
        var ns = pod.Metadata.NamespaceProperty ?? "default";
        var files = new Dictionary<string, (byte[], int)>(StringComparer.Ordinal);
        if (volume.ConfigMap is { } cm)
        {
            await AddAsync(files, volume.Name, "configmap", ns, cm.Name, cm.Items, cm.DefaultMode ?? DefaultMode, cm.Optional == true, ct).ConfigureAwait(false);
        }
        else if (volume.Secret is { } secret)
        {
            await AddAsync(files, volume.Name, "secret", ns, secret.SecretName, secret.Items, secret.DefaultMode ?? DefaultMode, secret.Optional == true, ct).ConfigureAwait(false);
        }
        else if (volume.DownwardAPI is { } downward)
        {
            AddDownward(files, pod, downward.Items, downward.DefaultMode ?? DefaultMode, podIp);
        }
        else if (volume.Projected is { } projected)
        {
            var mode = projected.DefaultMode ?? DefaultMode;
            foreach (var source in projected.Sources ?? [])
            {
                if (source.ConfigMap is { } pcm)
                {
                    await AddAsync(files, volume.Name, "configmap", ns, pcm.Name, pcm.Items, mode, pcm.Optional == true, ct).ConfigureAwait(false);
                }
                else if (source.Secret is { } psecret)
                {
                    await AddAsync(files, volume.Name, "secret", ns, psecret.Name, psecret.Items, mode, psecret.Optional == true, ct).ConfigureAwait(false);
                }
                else if (source.DownwardAPI is { } pdown)
                {
                    AddDownward(files, pod, pdown.Items, mode, podIp);
                }
                else if (source.ServiceAccountToken is { } token)
                {
                    files[token.Path] = (await Config.ProjectedToken.ReadAsync(config, pod, volume.Name, token, ct).ConfigureAwait(false), mode);
                }
            }
        }
        else
        {
            return null;
        }

        return files;
    }

    private async Task AddAsync(Dictionary<string, (byte[], int)> files, string volume, string kind, string ns, string name, IList<V1KeyToPath>? items, int mode, bool optional, CancellationToken ct)
    {
        var data = await config.BytesAsync(kind == "configmap" ? "configmaps" : "secrets", ns, name, ct).ConfigureAwait(false);
        if (data is null)
        {
            if (optional)
            {
                return;
            }

            throw new VolumeSetupException(volume, $"MountVolume.SetUp failed for volume \"{volume}\" : {kind} \"{name}\" not found");
        }

        if (items is null || items.Count == 0)
        {
            foreach (var (key, value) in data)
            {
                files[key] = (value, mode);
            }

            return;
        }

        foreach (var item in items)
        {
            if (!data.TryGetValue(item.Key, out var value))
            {
                if (optional)
                {
                    continue;
                }

                var what = kind == "configmap" ? "configMap" : "secret";
                throw new VolumeSetupException(volume, $"MountVolume.SetUp failed for volume \"{volume}\" : {what} references non-existent {kind} key: {item.Key}");
            }

            files[item.Path] = (value, item.Mode ?? mode);
        }
    }

    private void AddDownward(Dictionary<string, (byte[], int)> files, V1Pod pod, IList<V1DownwardAPIVolumeFile>? items, int mode, string? podIp)
    {
        foreach (var item in items ?? [])
        {
            string value;
            if (item.FieldRef is { } fieldRef)
            {
                value = EnvBuilder.FieldValue(pod, fieldRef.FieldPath, podIp, options.NodeIp.ToString());
            }
            else if (item.ResourceFieldRef is { } resourceRef)
            {
                var container = pod.Spec.Containers.FirstOrDefault(c => c.Name == resourceRef.ContainerName) ?? pod.Spec.Containers[0];
                value = env.ResourceValue(container, resourceRef.Resource, resourceRef.Divisor);
            }
            else
            {
                continue;
            }

            files[item.Path] = (Encoding.UTF8.GetBytes(value), item.Mode ?? mode);
        }
    }

    private string PluginDir(string uid, string plugin, string name) => Path.Combine(options.PodDirectory(uid), "volumes", plugin, name);
}
