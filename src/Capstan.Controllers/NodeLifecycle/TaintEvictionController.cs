using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Capstan.Api.Validation;
using Capstan.Client.Cache;
using Capstan.Client.Dynamic;
using Capstan.Client.Informers;
using Capstan.Client.Reconciling;
using Capstan.Controllers.Events;
using Capstan.Controllers.Pods;
using Capstan.Controllers.Resources;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Capstan.Controllers.NodeLifecycle;

/// <summary>
/// Kubernetes' taint manager (taint-eviction-controller): a pod on a node with a NoExecute taint it does not tolerate is
/// deleted at once; one it tolerates for tolerationSeconds is deleted that long after the taint was added; one it tolerates
/// without limit stays. Pods of an unreachable node are deleted with grace period 0: no agent is there to stop them
/// gracefully, and their controllers should replace them now rather than after a grace nobody will honour.
/// </summary>
public sealed partial class TaintEvictionController : Controller
{
    public const string Component = "taint-eviction-controller";

    private readonly IKubernetes _kube;
    private readonly DynamicInformer _nodes;
    private readonly DynamicInformer _pods;
    private readonly EventRecorder _events;
    private readonly ILogger _logger;

    // When this controller first saw a pod under NoExecute taints that carry no timeAdded: the start of its toleration.
    private readonly ConcurrentDictionary<string, DateTimeOffset> _firstSeen = new(StringComparer.Ordinal);

    public TaintEvictionController(SharedInformerFactory informers, ILoggerFactory loggerFactory, int workers = 4, TimeProvider? time = null)
        : base(Component, workers, loggerFactory.CreateLogger<TaintEvictionController>(), time)
    {
        _kube = informers.Client.Kubernetes;
        _logger = loggerFactory.CreateLogger<TaintEvictionController>();
        _events = new EventRecorder(_kube, Component, _logger, Time);
        _nodes = informers.For(KnownResources.Nodes);
        _pods = informers.For(KnownResources.Pods);
        PodIndexes.EnsureNodeName(_pods.Cache);
        EnsureNoExecuteIndex(_nodes.Cache);
        _pods.AddEventHandler(new ResourceEventHandler
        {
            OnAdd = EnqueueIfTainted,
            OnUpdate = (_, p) => EnqueueIfTainted(p),
            OnDelete = p => _firstSeen.TryRemove(p.GetUid(), out _),
        });
        _nodes.AddEventHandler(new ResourceEventHandler
        {
            OnAdd = n => EnqueuePodsOf(n, null),
            OnUpdate = (old, n) => EnqueuePodsOf(n, old),
        });
    }

    protected override IReadOnlyCollection<DynamicInformer> Informers => [_nodes, _pods];

    protected override async Task<ReconcileResult> ReconcileAsync(string key, CancellationToken ct)
    {
        var pod = _pods.Cache.Get(key);
        var nodeName = pod is null ? "" : PodFacts.NodeName(pod);
        if (pod is null || nodeName.Length == 0 || PodFacts.IsTerminal(pod))
        {
            return ReconcileResult.Done;
        }

        var node = _nodes.Cache.Get(nodeName);
        var taints = Tolerations.NoExecuteTaints(node);
        var delay = Tolerations.EvictionDelay(taints, Tolerations.Of(pod));
        if (delay is null)
        {
            _firstSeen.TryRemove(pod.GetUid(), out _);
            return ReconcileResult.Done;
        }

        var now = Time.GetUtcNow();
        var unreachable = taints.Any(t => t.StrOrEmpty("key") == NodeTaints.Unreachable);
        if (pod.IsBeingDeleted())
        {
            // Already going; only a pod of an unreachable node needs help (nobody there will finish its graceful deletion).
            if (unreachable && delay == TimeSpan.Zero && pod["metadata"]?["deletionGracePeriodSeconds"]?.GetValue<long>() is not 0)
            {
                await DeleteAsync(pod, force: true, ct).ConfigureAwait(false);
            }

            return ReconcileResult.Done;
        }

        var since = taints.Select(t => Timestamps.Parse(t["timeAdded"])).Where(t => t is not null).Select(t => t!.Value).DefaultIfEmpty(
            _firstSeen.GetOrAdd(pod.GetUid(), now)).Min();
        var due = since + delay.Value;
        if (due > now)
        {
            return ReconcileResult.After(due - now);
        }

        _events.Normal(pod, "TaintManagerEviction", $"Marking for deletion Pod {pod.GetNamespace()}/{pod.GetName()}");
        LogEvicting(key, nodeName);
        await DeleteAsync(pod, unreachable, ct).ConfigureAwait(false);
        _firstSeen.TryRemove(pod.GetUid(), out _);
        return ReconcileResult.Done;
    }

    private async Task DeleteAsync(JsonObject pod, bool force, CancellationToken ct)
    {
        var options = new V1DeleteOptions
        {
            GracePeriodSeconds = force ? 0 : null,
            Preconditions = new V1Preconditions { Uid = pod.GetUid() },
        };
        try
        {
            await _kube.CoreV1.DeleteNamespacedPodAsync(pod.GetName(), pod.GetNamespace(), options, cancellationToken: ct).ConfigureAwait(false);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode is System.Net.HttpStatusCode.NotFound or System.Net.HttpStatusCode.Conflict)
        {
            // Gone already, or replaced by a namesake the precondition protects.
        }
    }

    /// <summary>Index of the nodes cache: a node's name when it has NoExecute taints, so a pod event needs no parse of its node to know.</summary>
    internal const string NoExecuteTaintedIndex = "noExecuteTainted";

    private static readonly Lock IndexLock = new();

    internal static void EnsureNoExecuteIndex(IndexedCache nodes)
    {
        lock (IndexLock)
        {
            try
            {
                nodes.AddIndexer(NoExecuteTaintedIndex, n => Tolerations.NoExecuteTaints(n).Count > 0 ? [n.GetName()] : []);
            }
            catch (InvalidOperationException)
            {
                // Already there: the informer is shared.
            }
        }
    }

    private void EnqueueIfTainted(JsonObject pod)
    {
        var node = PodFacts.NodeName(pod);
        if (node.Length > 0 && _nodes.Cache.CountByIndex(NoExecuteTaintedIndex, node) > 0)
        {
            Queue.Add(pod.GetKey());
        }
    }

    private void EnqueuePodsOf(JsonObject node, JsonObject? old)
    {
        var taints = Tolerations.NoExecuteTaints(node);
        if (old is not null && JsonNode.DeepEquals(new JsonArray([.. taints.Select(t => t.DeepClone())]), new JsonArray([.. Tolerations.NoExecuteTaints(old).Select(t => t.DeepClone())])))
        {
            return;
        }

        if (taints.Count == 0 && old is null)
        {
            return;
        }

        foreach (var pod in _pods.Cache.ByIndex(PodIndexes.NodeName, node.GetName()))
        {
            Queue.Add(pod.GetKey());
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "evicting pod {Pod} from node {Node}: NoExecute taint not tolerated (any more)")]
    private partial void LogEvicting(string pod, string node);
}
