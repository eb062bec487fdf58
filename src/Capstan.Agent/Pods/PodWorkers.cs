using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Capstan.Agent.Runtime;
using Capstan.Client.Dynamic;
using Capstan.Client.Informers;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Capstan.Agent.Pods;

/// <summary>
/// Watches the pods bound to this node (an informer with fieldSelector spec.nodeName=&lt;node&gt;), runs one
/// <see cref="PodWorker"/> per pod uid, wakes a pod's worker when its runtime containers change, and at start removes
/// what the runtime still holds for pods that no longer exist.
/// </summary>
internal sealed partial class PodWorkers : IAsyncDisposable
{
    private static readonly ApiResource Pods = new("", "v1", "pods", "Pod", true, ["list", "watch"]);

    private readonly PodWorkerContext _ctx;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, PodWorker> _workers = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly DynamicInformer _informer;
    private readonly Volumes.Config.ConfigObjectWatcher _configObjects;
    private Task _informerLoop = Task.CompletedTask;
    private Task _housekeeping = Task.CompletedTask;

    public PodWorkers(PodWorkerContext ctx, ILoggerFactory loggerFactory)
    {
        _ctx = ctx;
        _logger = ctx.Logger;
        _informer = new DynamicInformer(
            new DynamicClient(ctx.Client),
            Pods,
            new InformerOptions { FieldSelector = $"spec.nodeName={ctx.Options.NodeName}" },
            loggerFactory.CreateLogger<DynamicInformer>(),
            ctx.Options.TimeProvider);
        _configObjects = new Volumes.Config.ConfigObjectWatcher(ctx.Client, loggerFactory, ctx.Options.TimeProvider, ctx.ConfigCache);
        _configObjects.Changed += uids =>
        {
            foreach (var uid in uids)
            {
                if (_workers.TryGetValue(uid, out var worker))
                {
                    worker.RefreshVolumes();
                }
            }
        };
    }

    public int Count => _workers.Count;

    public async Task StartAsync(CancellationToken ct)
    {
        _ctx.Runtime.ContainerChanged += OnContainerChanged;
        _informer.AddEventHandler(new ResourceEventHandler
        {
            OnAdd = Upsert,
            OnUpdate = (_, obj) => Upsert(obj),
            OnDelete = obj =>
            {
                if (_workers.TryGetValue(obj.GetUid(), out var worker))
                {
                    worker.MarkGone();
                }
            },
        });
        _informerLoop = Task.Run(() => _informer.RunAsync(_stop.Token), CancellationToken.None);
        await _informer.WaitForSyncAsync(ct).ConfigureAwait(false);
        await RemoveOrphansAsync(ct).ConfigureAwait(false);
        _housekeeping = Task.Run(() => HousekeepAsync(_stop.Token), CancellationToken.None);
    }

    /// <summary>Every HousekeepingInterval: orphaned sandboxes are removed again (a pod deleted while the agent was partitioned), and images collected.</summary>
    private async Task HousekeepAsync(CancellationToken ct)
    {
        var images = _ctx.Runtime.Images is { } service
            ? new Images.ImageGarbageCollector(_ctx.Runtime, service, _ctx.Images, _ctx.Options.ImageGcHighThresholdPercent, _ctx.Options.ImageGcLowThresholdPercent, _ctx.Options.TimeProvider)
            : null;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                await Task.Delay(_ctx.Options.HousekeepingInterval, _ctx.Options.TimeProvider, ct).ConfigureAwait(false);
                try
                {
                    await RemoveOrphansAsync(ct).ConfigureAwait(false);
                    if (images is not null)
                    {
                        await images.CollectAsync(ct).ConfigureAwait(false);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogHousekeepingFailed(ex);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    /// <summary>Sandboxes of pods this node no longer runs: their containers are killed and their state removed.</summary>
    private async Task RemoveOrphansAsync(CancellationToken ct)
    {
        var known = _informer.Cache.List().Select(o => o.GetUid()).ToHashSet(StringComparer.Ordinal);
        foreach (var sandbox in await _ctx.Runtime.ListPodSandboxesAsync(ct).ConfigureAwait(false))
        {
            var uid = sandbox.Labels.GetValueOrDefault(ContainerLabels.PodUid) ?? sandbox.Uid;
            // A runtime with images (containerd) may be shared: only sandboxes this node's agent labelled are its to remove.
            var ours = sandbox.Labels.TryGetValue(ContainerLabels.Node, out var node) ? node == _ctx.Options.NodeName : _ctx.Runtime.Images is null;
            if (!ours || known.Contains(uid) || _workers.ContainsKey(uid))
            {
                continue;
            }

            LogOrphan(sandbox.Namespace, sandbox.Name, uid);
            try
            {
                foreach (var container in await _ctx.Runtime.ListContainersAsync(sandbox.Id, ct).ConfigureAwait(false))
                {
                    if (container.State == ContainerState.Running)
                    {
                        await _ctx.Runtime.StopContainerAsync(container.Id, TimeSpan.FromSeconds(2), ct).ConfigureAwait(false);
                    }
                }

                await _ctx.Runtime.StopPodSandboxAsync(sandbox.Id, ct).ConfigureAwait(false);
                await _ctx.Runtime.RemovePodSandboxAsync(sandbox.Id, ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogOrphanFailed(ex, sandbox.Namespace, sandbox.Name);
            }

            TryDeleteDirectory(_ctx.Options.PodLogDirectory(sandbox.Namespace, sandbox.Name, uid));
            TryDeleteDirectory(_ctx.Options.PodDirectory(uid));
        }
    }

    private void Upsert(JsonObject obj)
    {
        var pod = KubernetesJson.Deserialize<V1Pod>(obj.ToJsonString());
        if (pod.Spec?.NodeName != _ctx.Options.NodeName || string.IsNullOrEmpty(pod.Metadata?.Uid))
        {
            return;
        }

        if (_workers.TryGetValue(pod.Metadata.Uid, out var existing))
        {
            existing.Update(pod);
            return;
        }

        if (_stop.IsCancellationRequested)
        {
            return;
        }

        var worker = new PodWorker(_ctx, pod, w =>
        {
            _workers.TryRemove(new KeyValuePair<string, PodWorker>(w.Uid, w));
            _configObjects.Untrack(w.Uid);
        });
        if (_workers.TryAdd(pod.Metadata.Uid, worker))
        {
            _configObjects.Track(pod.Metadata.Uid, Volumes.Config.ConfigObjectRef.InVolumesOf(pod));
            worker.Start(_stop.Token);
        }
    }

    private void OnContainerChanged(object? sender, ContainerEvent e)
    {
        if (e.Labels.TryGetValue(ContainerLabels.PodUid, out var uid) && _workers.TryGetValue(uid, out var worker))
        {
            worker.Wake();
            return;
        }

        // Without labels, wake whoever owns the sandbox (cheap: a wake only triggers a resync).
        foreach (var w in _workers.Values)
        {
            w.Wake();
        }
    }

    private static void TryDeleteDirectory(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Stops the workers and the informer; the pods' containers keep running for the next agent to adopt.</summary>
    public async ValueTask DisposeAsync()
    {
        _ctx.Runtime.ContainerChanged -= OnContainerChanged;
        await _stop.CancelAsync().ConfigureAwait(false);
        await _configObjects.DisposeAsync().ConfigureAwait(false);
        await _housekeeping.ConfigureAwait(false);
        try
        {
            await _informerLoop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        try
        {
            await Task.WhenAll(_workers.Values.Select(w => w.Completion)).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }

        _stop.Dispose();
    }

    [LoggerMessage(EventId = 20, Level = LogLevel.Information, Message = "removing the sandbox of pod {Namespace}/{Name} ({Uid}), which no longer exists")]
    private partial void LogOrphan(string @namespace, string name, string uid);

    [LoggerMessage(EventId = 21, Level = LogLevel.Warning, Message = "removing the sandbox of pod {Namespace}/{Name} failed")]
    private partial void LogOrphanFailed(Exception ex, string @namespace, string name);

    [LoggerMessage(EventId = 22, Level = LogLevel.Warning, Message = "housekeeping (orphaned sandboxes, image garbage collection) failed; retrying at the next interval")]
    private partial void LogHousekeepingFailed(Exception ex);
}
