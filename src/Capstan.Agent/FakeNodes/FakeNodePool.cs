using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Capstan.Client.Dynamic;
using Capstan.Client.Informers;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Capstan.Agent.FakeNodes;

/// <summary>
/// Many simulated nodes in one component (the KWOK idea): registers <see cref="FakeNodeOptions.Count"/> Nodes, renews
/// their Leases round-robin at a steady write rate, and makes every pod bound to one of them Running and Ready at once
/// (force-deleting it when it is deleted, as a kubelet would once its containers stopped). One watch on all pods, filtered
/// by the pool's node names, serves every node: a watch per node with a spec.nodeName field selector would not scale.
/// The pod watch keeps no cache, so the pool's memory does not grow with the pods. In a process that already has a
/// shared pod informer (the server's control plane), the pool can take its pod events from it instead of a watch of its
/// own, which would decode every pod event a second time.
/// </summary>
public sealed partial class FakeNodePool : IAsyncDisposable
{
    private static readonly ApiResource Pods = new("", "v1", "pods", "Pod", true, ["list", "watch"]);
    private static readonly ApiResource Nodes = new("", "v1", "nodes", "Node", false, ["list", "watch"]);
    private const string StrategicMergePatch = "application/strategic-merge-patch+json";
    private static readonly TimeSpan LeaseTick = TimeSpan.FromMilliseconds(100);

    private readonly IKubernetes _client;
    private readonly DynamicClient _dynamic;
    private readonly FakeNodeOptions _options;
    private readonly ILogger _logger;
    private readonly Dictionary<string, int> _index;
    private readonly string[] _nodeUids;
    private readonly V1Lease?[] _leases;
    private readonly ConcurrentDictionary<string, byte> _pending = new(StringComparer.Ordinal);
    private readonly Channel<PodWork> _work = Channel.CreateUnbounded<PodWork>(new UnboundedChannelOptions { SingleReader = false });
    private readonly ConcurrentDictionary<int, byte> _statusPending = new();
    private readonly Channel<int> _statusWork = Channel.CreateUnbounded<int>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stop = new();
    private Task _loops = Task.CompletedTask;
    private long _podIps;
    private DynamicInformer? _podSource;
    private long _podsStarted;

    private FakeNodePool(IKubernetes client, FakeNodeOptions options, ILogger logger)
    {
        _client = client;
        _dynamic = new DynamicClient(client);
        _options = options;
        _logger = logger;
        _index = new Dictionary<string, int>(options.Count, StringComparer.Ordinal);
        for (var i = 0; i < options.Count; i++)
        {
            _index[options.NodeName(i)] = i;
        }

        _nodeUids = new string[options.Count];
        _leases = new V1Lease?[options.Count];
    }

    public FakeNodeOptions Options => _options;

    /// <summary>Pods this pool has marked Running so far.</summary>
    public long PodsStarted => Interlocked.Read(ref _podsStarted);

    /// <summary>Returns once every node is registered with a Ready status and a Lease, and the pod watch has started.</summary>
    public static Task<FakeNodePool> StartAsync(IKubernetes client, FakeNodeOptions options, ILoggerFactory loggerFactory, CancellationToken ct) =>
        StartAsync(client, options, null, loggerFactory, ct);

    /// <summary>
    /// As <see cref="StartAsync(IKubernetes, FakeNodeOptions, ILoggerFactory, CancellationToken)"/>, with the pods' events
    /// taken from the pod informer of <paramref name="informers"/>, a factory of this process that its owner runs, instead
    /// of a watch of the pool's own; null watches. The pool only reads the informer's objects, which may be read concurrently.
    /// </summary>
    public static async Task<FakeNodePool> StartAsync(IKubernetes client, FakeNodeOptions options, SharedInformerFactory? informers, ILoggerFactory loggerFactory, CancellationToken ct)
    {
        options.Validate();
        var pool = new FakeNodePool(client, options, loggerFactory.CreateLogger<FakeNodePool>()) { _podSource = informers?.For(Pods) };
        try
        {
            await pool.RegisterAllAsync(ct).ConfigureAwait(false);
            pool.Start();
            return pool;
        }
        catch
        {
            await pool.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>True when <paramref name="nodeName"/> is one of this pool's nodes.</summary>
    public bool Owns(string nodeName) => _index.ContainsKey(nodeName);

    private void Start()
    {
        var ct = _stop.Token;
        var workers = Enumerable.Range(0, _options.WriteConcurrency).Select(_ => Task.Run(() => WorkAsync(ct), CancellationToken.None));
        Task podLoop;
        if (_podSource is { } source)
        {
            // Only adds and updates matter (a deleted pod's last update already carried its deletionTimestamp); the
            // informer replays the pods it already holds as adds.
            source.AddEventHandler(new ResourceEventHandler
            {
                OnAdd = pod => OnPod(pod, deleted: false),
                OnUpdate = (_, pod) => OnPod(pod, deleted: false),
            });
            podLoop = Task.CompletedTask;
        }
        else
        {
            podLoop = Task.Run(() => WatchAsync(Pods, pod => OnPod(pod, deleted: false), ct), CancellationToken.None);
        }

        _loops = Task.WhenAll(
        [
            podLoop,
            Task.Run(() => WatchAsync(Nodes, OnNode, ct), CancellationToken.None),
            Task.Run(() => PostStatusesAsync(ct), CancellationToken.None),
            Task.Run(() => RenewLeasesAsync(ct), CancellationToken.None),
            .. workers,
        ]);
        LogStarted(_options.Count, _options.NamePrefix, _options.EffectiveLeaseRenewInterval.TotalSeconds);
    }

    private async Task RegisterAllAsync(CancellationToken ct)
    {
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = _options.WriteConcurrency, CancellationToken = ct };
        await Parallel.ForAsync(0, _options.Count, parallel, async (i, token) => await RegisterAsync(i, token).ConfigureAwait(false)).ConfigureAwait(false);
    }

    private async Task RegisterAsync(int index, CancellationToken ct)
    {
        var name = _options.NodeName(index);
        var desired = FakeNodeObjects.Node(_options, index);
        V1Node node;
        try
        {
            node = await _client.CoreV1.CreateNodeAsync(desired, cancellationToken: ct).ConfigureAwait(false);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.Conflict)
        {
            // Registered by an earlier run: take the pool's labels and taints again.
            var patch = new JsonObject
            {
                ["metadata"] = new JsonObject { ["labels"] = JsonNode.Parse(KubernetesJson.Serialize(desired.Metadata.Labels)) },
                ["spec"] = new JsonObject { ["taints"] = desired.Spec.Taints is null ? null : JsonNode.Parse(KubernetesJson.Serialize(desired.Spec.Taints)) },
            };
            node = await _client.CoreV1.PatchNodeAsync(new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch), name, cancellationToken: ct).ConfigureAwait(false);
        }

        _nodeUids[index] = node.Metadata.Uid ?? "";
        await PostStatusAsync(index, ct).ConfigureAwait(false);
        await RenewLeaseAsync(index, ct).ConfigureAwait(false);
    }

    // Each tick renews the slice of nodes that keeps every lease renewed once per interval: a steady trickle of writes
    // rather than a burst of Count writes every interval.
    private async Task RenewLeasesAsync(CancellationToken ct)
    {
        var interval = _options.EffectiveLeaseRenewInterval;
        var perTick = Math.Max(1, (int)Math.Ceiling(_options.Count * LeaseTick.TotalMilliseconds / interval.TotalMilliseconds));
        var next = 0;
        using var timer = new PeriodicTimer(LeaseTick, _options.TimeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
            {
                var batch = new Task[Math.Min(perTick, _options.Count)];
                for (var i = 0; i < batch.Length; i++)
                {
                    batch[i] = RenewQuietlyAsync(next, ct);
                    next = (next + 1) % _options.Count;
                }

                await Task.WhenAll(batch).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private async Task RenewQuietlyAsync(int index, CancellationToken ct)
    {
        try
        {
            await RenewLeaseAsync(index, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is HttpOperationException or HttpRequestException or TaskCanceledException)
        {
            _leases[index] = null;
            LogLeaseFailed(ex, _options.NodeName(index));
        }
    }

    private async Task RenewLeaseAsync(int index, CancellationToken ct)
    {
        var name = _options.NodeName(index);
        var now = _options.TimeProvider.GetUtcNow().UtcDateTime;
        var duration = _options.EffectiveLeaseRenewInterval * 4;
        var lease = _leases[index];
        if (lease is null)
        {
            try
            {
                _leases[index] = Kept(await _client.CoordinationV1.CreateNamespacedLeaseAsync(
                    FakeNodeObjects.Lease(name, _nodeUids[index] ?? "", duration, now), Node.NodeLeaseRenewer.LeaseNamespace, cancellationToken: ct).ConfigureAwait(false));
                return;
            }
            catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.Conflict)
            {
                lease = await _client.CoordinationV1.ReadNamespacedLeaseAsync(name, Node.NodeLeaseRenewer.LeaseNamespace, cancellationToken: ct).ConfigureAwait(false);
            }
        }

        lease.Spec ??= new V1LeaseSpec();
        lease.Spec.HolderIdentity = name;
        lease.Spec.LeaseDurationSeconds = (int)Math.Ceiling(duration.TotalSeconds);
        lease.Spec.RenewTime = now;
        try
        {
            _leases[index] = Kept(await _client.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, name, Node.NodeLeaseRenewer.LeaseNamespace, cancellationToken: ct).ConfigureAwait(false));
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.NotFound)
        {
            _leases[index] = null;
            throw;
        }
    }

    // The lease as held between renewals: without managedFields, each of which kept the whole parsed response (a 4 KiB
    // pooled buffer) alive, ~20 MiB for 5,000 nodes; an update that sends none keeps the stored ones, as in Kubernetes.
    private static V1Lease Kept(V1Lease lease)
    {
        lease.Metadata.ManagedFields = null;
        return lease;
    }

    // List, then watch from the list's version; a broken or expired watch lists again.
    private async Task WatchAsync(ApiResource resource, Action<JsonObject> onObject, CancellationToken ct)
    {
        var delay = TimeSpan.FromMilliseconds(200);
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var list = await _dynamic.ListAsync(resource, null, null, null, ct).ConfigureAwait(false);
                foreach (var item in list.Items)
                {
                    onObject(item);
                }

                var version = list.ResourceVersion;
                while (!ct.IsCancellationRequested)
                {
                    await foreach (var ev in _dynamic.WatchAsync(resource, null, version, 300, null, null, ct).ConfigureAwait(false))
                    {
                        if (ev.Kind == WatchEventKind.Error)
                        {
                            throw new InvalidOperationException("watch error: " + ev.Object.ToJsonString());
                        }

                        version = ev.Object.GetResourceVersion() is { Length: > 0 } rv ? rv : version;
                        if (ev.Kind is WatchEventKind.Added or WatchEventKind.Modified)
                        {
                            onObject(ev.Object);
                        }
                    }
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is ApiRequestException or HttpRequestException or IOException or InvalidOperationException or System.Text.Json.JsonException)
            {
                LogWatchFailed(ex);
                try
                {
                    await Task.Delay(delay, _options.TimeProvider, ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>
    /// Like a kubelet, which posts its node's status again whenever what the API shows differs from what it would post:
    /// a node the node lifecycle controller marked Unknown (its first status or lease came late, under load) gets its
    /// Ready status again instead of staying NotReady for good.
    /// </summary>
    private void OnNode(JsonObject node)
    {
        if (!_index.TryGetValue(node.GetName(), out var index))
        {
            return;
        }

        var ready = (node["status"]?["conditions"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(c => c["type"]?.GetValue<string>() == "Ready");
        if (ready?["status"]?.GetValue<string>() is "Unknown" or "False" && _statusPending.TryAdd(index, 0))
        {
            _statusWork.Writer.TryWrite(index);
        }
    }

    private async Task PostStatusesAsync(CancellationToken ct)
    {
        try
        {
            await foreach (var index in _statusWork.Reader.ReadAllAsync(ct).ConfigureAwait(false))
            {
                _statusPending.TryRemove(index, out _);
                try
                {
                    await PostStatusAsync(index, ct).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is HttpOperationException or HttpRequestException)
                {
                    LogStatusFailed(ex, _options.NodeName(index));
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private async Task PostStatusAsync(int index, CancellationToken ct)
    {
        var now = _options.TimeProvider.GetUtcNow().UtcDateTime;
        var status = new JsonObject { ["status"] = JsonNode.Parse(KubernetesJson.Serialize(FakeNodeObjects.Status(_options, index, now))) };
        await _client.CoreV1.PatchNodeStatusAsync(new V1Patch(status.ToJsonString(), V1Patch.PatchType.MergePatch), _options.NodeName(index), cancellationToken: ct).ConfigureAwait(false);
    }

    private void OnPod(JsonObject pod, bool deleted)
    {
        var nodeName = pod["spec"]?["nodeName"]?.GetValue<string>();
        if (deleted || _stop.IsCancellationRequested || nodeName is null || !_index.TryGetValue(nodeName, out var index))
        {
            return;
        }

        PodWork work;
        if (pod.IsBeingDeleted())
        {
            work = new PodWork(PodAction.Delete, pod, index);
        }
        else if (pod["status"]?["phase"]?.GetValue<string>() is "Succeeded" or "Failed" || FakeNodeObjects.IsRunningAndReady(pod))
        {
            return;
        }
        else
        {
            work = new PodWork(PodAction.Start, pod, index);
        }

        if (_pending.TryAdd(pod.GetUid() + (work.Action == PodAction.Delete ? "/delete" : ""), 0))
        {
            LogQueued(work.Action.ToString(), pod.GetKey());
            _work.Writer.TryWrite(work);
        }
    }

    private async Task WorkAsync(CancellationToken ct)
    {
        try
        {
            await foreach (var work in _work.Reader.ReadAllAsync(ct).ConfigureAwait(false))
            {
                var key = work.Pod.GetUid() + (work.Action == PodAction.Delete ? "/delete" : "");
                try
                {
                    await (work.Action == PodAction.Delete ? DeleteAsync(work.Pod, ct) : StartPodAsync(work, ct)).ConfigureAwait(false);
                    _pending.TryRemove(key, out _);
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex) when (!ct.IsCancellationRequested)
                {
                    // Whatever went wrong, this worker keeps serving the other pods.
                    LogPodWriteFailed(ex, work.Pod.GetKey());
                    _ = RetryLaterAsync(work, key, ct);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private async Task RetryLaterAsync(PodWork work, string key, CancellationToken ct)
    {
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(1), _options.TimeProvider, ct).ConfigureAwait(false);
            _work.Writer.TryWrite(work);
        }
        catch (OperationCanceledException)
        {
            _pending.TryRemove(key, out _);
        }
    }

    private async Task StartPodAsync(PodWork work, CancellationToken ct)
    {
        var pod = work.Pod;
        var patch = FakeNodeObjects.RunningPatch(pod, FakeNodeObjects.NodeIp(work.NodeIndex), FakeNodeObjects.PodIp(Interlocked.Increment(ref _podIps)), _options.TimeProvider.GetUtcNow());
        try
        {
            // The same strategic merge patch the official client sends, without decoding the pod the server answers with.
            await _dynamic.PatchAsync(Pods, pod.GetNamespace(), pod.GetName(), "status", patch, StrategicMergePatch, ct).ConfigureAwait(false);
            Interlocked.Increment(ref _podsStarted);
        }
        catch (ApiRequestException ex) when (ex.IsNotFound)
        {
        }
    }

    // The kubelet's last word on a deleted pod: its containers are gone, so the object goes at once.
    private async Task DeleteAsync(JsonObject pod, CancellationToken ct)
    {
        try
        {
            await _client.CoreV1.DeleteNamespacedPodAsync(pod.GetName(), pod.GetNamespace(), new V1DeleteOptions
            {
                GracePeriodSeconds = 0,
                Preconditions = new V1Preconditions { Uid = pod.GetUid() },
            }, gracePeriodSeconds: 0, cancellationToken: ct).ConfigureAwait(false);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Conflict)
        {
        }
    }

    /// <summary>Stops renewing and watching; the Nodes stay registered (and go NotReady once their leases run out).</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _work.Writer.TryComplete();
        try
        {
            await _loops.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private enum PodAction
    {
        Start,
        Delete,
    }

    private sealed record PodWork(PodAction Action, JsonObject Pod, int NodeIndex);
}
