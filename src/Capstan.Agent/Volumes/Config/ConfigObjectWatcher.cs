using Capstan.Client.Dynamic;
using Capstan.Client.Informers;
using k8s;
using Microsoft.Extensions.Logging;

namespace Capstan.Agent.Volumes.Config;

/// <summary>
/// Watches exactly the ConfigMaps and Secrets that this node's pods mount (the kubelet's Watch strategy): one
/// metadata-only watch per object (<c>fieldSelector=metadata.name=&lt;name&gt;</c>, which a node authorizer can allow),
/// counted by the pods that use it and stopped when the last one goes. A change raises <see cref="Changed"/> with the
/// pods to refresh; the data itself is read by the pod's volume sync, and kept in <paramref name="cache"/> (when given)
/// only while its watch runs.
/// </summary>
internal sealed class ConfigObjectWatcher(IKubernetes client, ILoggerFactory loggerFactory, TimeProvider time, WatchedConfigCache? cache = null) : IAsyncDisposable
{
    private static readonly ApiResource ConfigMaps = new("", "v1", "configmaps", "ConfigMap", true, ["get", "list", "watch"]);
    private static readonly ApiResource Secrets = new("", "v1", "secrets", "Secret", true, ["get", "list", "watch"]);

    private readonly Lock _lock = new();
    private readonly Dictionary<string, IReadOnlySet<ConfigObjectRef>> _byPod = new(StringComparer.Ordinal);
    private readonly Dictionary<ConfigObjectRef, Watch> _watches = [];
    private readonly DynamicClient _dynamic = new(client);
    private bool _disposed;

    /// <summary>Raised (on a watch loop: keep it quick) with the uids of the pods that mount an object that changed.</summary>
    public event Action<IReadOnlyList<string>>? Changed;

    public int WatchCount
    {
        get
        {
            lock (_lock)
            {
                return _watches.Count;
            }
        }
    }

    /// <summary>Sets the objects pod <paramref name="podUid"/> mounts, starting and stopping watches as needed.</summary>
    public void Track(string podUid, IReadOnlySet<ConfigObjectRef> refs)
    {
        var stopped = new List<Watch>();
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            var previous = _byPod.GetValueOrDefault(podUid) ?? new HashSet<ConfigObjectRef>();
            foreach (var added in refs.Except(previous))
            {
                if (_watches.TryGetValue(added, out var watch))
                {
                    watch.Users++;
                }
                else
                {
                    _watches[added] = Start(added);
                }
            }

            foreach (var removed in previous.Except(refs))
            {
                Release(removed, stopped);
            }

            if (refs.Count == 0)
            {
                _byPod.Remove(podUid);
            }
            else
            {
                _byPod[podUid] = refs;
            }
        }

        foreach (var watch in stopped)
        {
            watch.Stop.Cancel();
            _ = watch.Loop.ContinueWith(_ => watch.Stop.Dispose(), TaskScheduler.Default);
        }
    }

    public void Untrack(string podUid) => Track(podUid, new HashSet<ConfigObjectRef>());

    private Watch Start(ConfigObjectRef target)
    {
        cache?.Watching(target);
        var informer = new DynamicInformer(
            _dynamic,
            target.Resource == "secrets" ? Secrets : ConfigMaps,
            new InformerOptions { Namespace = target.Namespace, FieldSelector = $"metadata.name={target.Name}", MetadataOnly = true },
            loggerFactory.CreateLogger<DynamicInformer>(),
            time);
        informer.AddEventHandler(new ResourceEventHandler
        {
            OnAdd = _ => Notify(target),
            OnUpdate = (_, _) => Notify(target),
            OnDelete = _ => Notify(target),
        });
        var stop = new CancellationTokenSource();
        var loop = Task.Run(async () =>
        {
            try
            {
                await informer.RunAsync(stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }, CancellationToken.None);
        return new Watch(stop, loop);
    }

    private void Notify(ConfigObjectRef target)
    {
        cache?.Changed(target);
        List<string> pods;
        lock (_lock)
        {
            pods = [.. _byPod.Where(p => p.Value.Contains(target)).Select(p => p.Key)];
        }

        if (pods.Count > 0)
        {
            Changed?.Invoke(pods);
        }
    }

    private void Release(ConfigObjectRef target, List<Watch> stopped)
    {
        if (_watches.TryGetValue(target, out var watch) && --watch.Users == 0)
        {
            _watches.Remove(target);
            cache?.Unwatched(target);
            stopped.Add(watch);
        }
    }

    public async ValueTask DisposeAsync()
    {
        List<Watch> watches;
        lock (_lock)
        {
            _disposed = true;
            watches = [.. _watches.Values];
            _watches.Clear();
            _byPod.Clear();
        }

        foreach (var watch in watches)
        {
            await watch.Stop.CancelAsync().ConfigureAwait(false);
        }

        await Task.WhenAll(watches.Select(w => w.Loop)).ConfigureAwait(false);
        foreach (var watch in watches)
        {
            watch.Stop.Dispose();
        }
    }

    private sealed class Watch(CancellationTokenSource stop, Task loop)
    {
        public CancellationTokenSource Stop { get; } = stop;

        public Task Loop { get; } = loop;

        public int Users { get; set; } = 1;
    }
}
