using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Capstan.Api.Validation;
using Capstan.Client.Dynamic;
using Capstan.Client.Informers;
using Capstan.Client.Reconciling;
using Capstan.Controllers.NodeLifecycle;
using Capstan.Controllers.Pods;
using Capstan.Controllers.Resources;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Capstan.Controllers.PodGarbageCollector;

/// <summary>
/// Kubernetes' pod garbage collector, one pass every <see cref="PodGarbageCollectorOptions.Period"/>: deletes the oldest
/// terminated pods beyond the threshold; force-deletes pods bound to nodes that no longer exist (after a quarantine and a
/// live check), terminating pods that were never scheduled, and terminating pods stuck on a node that is out of service or
/// unreachable past their grace period (nobody there will finish their deletion).
/// </summary>
public sealed partial class PodGarbageCollector : Controller
{
    public const string Component = "pod-garbage-collector";
    private const string Key = "pods";

    private readonly DynamicClient _client;
    private readonly IKubernetes _kube;
    private readonly DynamicInformer _pods;
    private readonly DynamicInformer _nodes;
    private readonly PodGarbageCollectorOptions _options;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, DateTimeOffset> _missingSince = new(StringComparer.Ordinal);

    public PodGarbageCollector(SharedInformerFactory informers, ILoggerFactory loggerFactory, PodGarbageCollectorOptions? options = null, TimeProvider? time = null)
        : base(Component, 1, loggerFactory.CreateLogger<PodGarbageCollector>(), time)
    {
        _client = informers.Client;
        _kube = informers.Client.Kubernetes;
        _options = options ?? new PodGarbageCollectorOptions();
        _logger = loggerFactory.CreateLogger<PodGarbageCollector>();
        _pods = informers.For(KnownResources.Pods);
        _nodes = informers.For(KnownResources.Nodes);
        PodIndexes.EnsureNodeName(_pods.Cache);
        PodIndexes.EnsureLifecycle(_pods.Cache);
        Queue.Add(Key);
    }

    protected override IReadOnlyCollection<DynamicInformer> Informers => [_pods, _nodes];

    protected override async Task<ReconcileResult> ReconcileAsync(string key, CancellationToken ct)
    {
        // Each pass reads only the pods it may act on, through the cache's indexes: listing every pod (and parsing its node
        // for each) every few seconds was most of this controller's cost with thousands of pods.
        var now = Time.GetUtcNow();
        await CollectTerminatedAsync(ct).ConfigureAwait(false);
        await CollectOrphanedAsync(now, ct).ConfigureAwait(false);
        foreach (var pod in _pods.Cache.ByIndex(PodIndexes.Lifecycle, PodIndexes.Deleting))
        {
            var nodeName = PodFacts.NodeName(pod);
            if (nodeName.Length == 0 || StuckOnLostNode(pod, _nodes.Cache.Get(nodeName), now))
            {
                await ForceDeleteAsync(pod, nodeName.Length == 0 ? "terminating and never scheduled" : "terminating on an out-of-service or unreachable node", ct).ConfigureAwait(false);
            }
        }

        return ReconcileResult.After(_options.Period);
    }

    private async Task CollectTerminatedAsync(CancellationToken ct)
    {
        if (_options.TerminatedPodThreshold <= 0)
        {
            return;
        }

        var terminated = _pods.Cache.ByIndex(PodIndexes.Lifecycle, PodIndexes.Terminal).Where(p => !p.IsBeingDeleted()).ToList();
        var excess = terminated.Count - _options.TerminatedPodThreshold;
        if (excess <= 0)
        {
            return;
        }

        foreach (var pod in terminated.OrderBy(p => Timestamps.CreationTime(p) ?? DateTimeOffset.MinValue).Take(excess))
        {
            await ForceDeleteAsync(pod, "terminated pods over the threshold", ct).ConfigureAwait(false);
        }
    }

    private async Task CollectOrphanedAsync(DateTimeOffset now, CancellationToken ct)
    {
        var missing = _pods.Cache.IndexValues(PodIndexes.NodeName).Where(n => !_nodes.Cache.ContainsKey(n)).ToHashSet(StringComparer.Ordinal);
        foreach (var gone in _missingSince.Keys.Where(n => !missing.Contains(n)).ToList())
        {
            _missingSince.TryRemove(gone, out _);
        }

        foreach (var nodeName in missing)
        {
            var since = _missingSince.GetOrAdd(nodeName, now);
            if (now - since < _options.OrphanQuarantine)
            {
                continue;
            }

            // The cache may lag: only a 404 from the server itself proves the node is gone.
            if (await _client.GetAsync(KnownResources.Nodes, null, nodeName, ct).ConfigureAwait(false) is not null)
            {
                continue;
            }

            foreach (var pod in _pods.Cache.ByIndex(PodIndexes.NodeName, nodeName))
            {
                await ForceDeleteAsync(pod, $"bound to node {nodeName}, which no longer exists", ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>A terminating pod whose node is out of service (and not ready), or unreachable with the pod's grace period over.</summary>
    internal static bool StuckOnLostNode(JsonObject pod, JsonObject? node, DateTimeOffset now)
    {
        if (node is null)
        {
            return false;
        }

        var taints = (node["spec"] as JsonObject)?.Items("taints").Select(t => t.Item).ToList() ?? [];
        var ready = (node["status"] as JsonObject)?.Items("conditions").Select(c => c.Item).FirstOrDefault(c => c.StrOrEmpty("type") == "Ready")?.StrOrEmpty("status");
        if (ready != "True" && taints.Any(t => t.StrOrEmpty("key") == NodeTaints.OutOfService && t.StrOrEmpty("effect") == "NoExecute"))
        {
            return true;
        }

        return taints.Any(t => t.StrOrEmpty("key") == NodeTaints.Unreachable && t.StrOrEmpty("effect") == "NoExecute")
            && Timestamps.Parse(pod["metadata"]?["deletionTimestamp"]) is { } deadline && deadline <= now;
    }

    private async Task ForceDeleteAsync(JsonObject pod, string why, CancellationToken ct)
    {
        LogDeleting(pod.GetKey(), why);
        try
        {
            await _kube.CoreV1.DeleteNamespacedPodAsync(pod.GetName(), pod.GetNamespace(),
                new V1DeleteOptions { GracePeriodSeconds = 0, Preconditions = new V1Preconditions { Uid = pod.GetUid() } }, cancellationToken: ct).ConfigureAwait(false);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode is System.Net.HttpStatusCode.NotFound or System.Net.HttpStatusCode.Conflict)
        {
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "deleting pod {Pod}: {Why}")]
    private partial void LogDeleting(string pod, string why);
}
