using System.Text.Json.Nodes;
using Capstan.Api.Selectors;
using Capstan.Api.Validation;
using Capstan.Client.Cache;
using Capstan.Client.Dynamic;
using Capstan.Client.Informers;
using Capstan.Client.Reconciling;
using Capstan.Controllers.Ownership;
using Capstan.Controllers.Pods;
using Capstan.Controllers.Resources;
using Microsoft.Extensions.Logging;

namespace Capstan.Controllers.Disruption;

/// <summary>
/// Keeps each PodDisruptionBudget's status: the matching pods' currentHealthy (ready, not being deleted, not just evicted),
/// desiredHealthy and expectedPods from minAvailable/maxUnavailable, disruptionsAllowed, the disruptedPods the eviction API
/// recorded (dropped once the pod is going or after <see cref="DeletionTimeout"/>), observedGeneration and the
/// DisruptionAllowed condition. The eviction API reads this status to allow or refuse evictions.
/// </summary>
public sealed partial class DisruptionController : Controller
{
    public const string Component = "disruption-controller";

    /// <summary>An eviction the API recorded but whose pod is still not being deleted after this long is forgotten (Kubernetes' DeletionTimeout).</summary>
    public static readonly TimeSpan DeletionTimeout = TimeSpan.FromMinutes(2);

    private readonly DynamicClient _client;
    private readonly DynamicInformer _budgets;
    private readonly DynamicInformer _pods;
    private readonly DynamicInformer _replicaSets;
    private readonly DynamicInformer _deployments;
    private readonly DynamicInformer _statefulSets;

    public DisruptionController(SharedInformerFactory informers, ILoggerFactory loggerFactory, int workers = 2, TimeProvider? time = null)
        : base(Component, workers, loggerFactory.CreateLogger<DisruptionController>(), time)
    {
        _client = informers.Client;
        _budgets = informers.For(KnownResources.PodDisruptionBudgets);
        _pods = informers.For(KnownResources.Pods);
        _replicaSets = informers.For(KnownResources.ReplicaSets);
        _deployments = informers.For(KnownResources.Deployments);
        _statefulSets = informers.For(KnownResources.StatefulSets);
        _budgets.AddEventHandler(new ResourceEventHandler
        {
            OnAdd = b => Queue.Add(b.GetKey()),
            OnUpdate = (_, b) => Queue.Add(b.GetKey()),
        });
        _pods.AddEventHandler(new ResourceEventHandler
        {
            OnAdd = EnqueueBudgetsOf,
            OnUpdate = (old, pod) =>
            {
                if (_budgets.Cache.CountByIndex(IndexedCache.NamespaceIndex, pod.GetNamespace()) == 0)
                {
                    return;
                }

                EnqueueBudgetsOf(pod);
                if (!JsonNode.DeepEquals(old["metadata"]?["labels"], pod["metadata"]?["labels"]))
                {
                    EnqueueBudgetsOf(old);
                }
            },
            OnDelete = EnqueueBudgetsOf,
        });
        var scaleChanged = new ResourceEventHandler
        {
            OnAdd = EnqueueNamespace,
            OnUpdate = (old, obj) =>
            {
                if (old["spec"]?["replicas"]?.ToJsonString() != obj["spec"]?["replicas"]?.ToJsonString())
                {
                    EnqueueNamespace(obj);
                }
            },
            OnDelete = EnqueueNamespace,
        };
        _replicaSets.AddEventHandler(scaleChanged);
        _deployments.AddEventHandler(scaleChanged);
        _statefulSets.AddEventHandler(scaleChanged);
    }

    protected override IReadOnlyCollection<DynamicInformer> Informers => [_budgets, _pods, _replicaSets, _deployments, _statefulSets];

    protected override async Task<ReconcileResult> ReconcileAsync(string key, CancellationToken ct)
    {
        var pdb = _budgets.Cache.Get(key);
        if (pdb is null)
        {
            return ReconcileResult.Done;
        }

        var spec = pdb["spec"] as JsonObject ?? new JsonObject();
        var selector = LabelSelector.TryFromObject(spec["selector"], out var s, out _) ? s : LabelSelector.Nothing;
        var pods = _pods.Cache.ByIndex(IndexedCache.NamespaceIndex, pdb.GetNamespace()).Where(selector.MatchesLabelsOf).ToList();
        var now = Time.GetUtcNow();

        // Evictions the API recorded: they count as unhealthy until the pod is seen going, or for DeletionTimeout at most.
        var byName = pods.ToDictionary(p => p.GetName(), StringComparer.Ordinal);
        var disrupted = new JsonObject();
        DateTimeOffset? nextExpiry = null;
        foreach (var (name, value) in (pdb["status"]?["disruptedPods"] as JsonObject ?? []).ToList())
        {
            if (!byName.TryGetValue(name, out var pod) || pod.IsBeingDeleted() || Timestamps.Parse(value) is not { } at || at + DeletionTimeout < now)
            {
                continue;
            }

            disrupted[name] = value?.DeepClone();
            var expiry = at + DeletionTimeout;
            nextExpiry = nextExpiry is null || expiry < nextExpiry ? expiry : nextExpiry;
        }

        var healthy = pods.Count(p => !p.IsBeingDeleted() && !disrupted.ContainsKey(p.GetName()) && PodFacts.IsReady(p));
        var (expected, desired) = DisruptionBudgetMath.Desired(spec["minAvailable"], spec["maxUnavailable"], pods.Count, Scale(pods));
        var allowed = DisruptionBudgetMath.DisruptionsAllowed(healthy, desired, expected);
        var generation = (pdb["metadata"] as JsonObject)?.Long("generation") ?? 0;
        var status = new JsonObject
        {
            ["observedGeneration"] = generation,
            ["disruptionsAllowed"] = allowed,
            ["currentHealthy"] = healthy,
            ["desiredHealthy"] = desired,
            ["expectedPods"] = expected,
        };
        if (disrupted.Count > 0)
        {
            status["disruptedPods"] = disrupted;
        }

        status["conditions"] = Conditions(pdb, allowed > 0, generation, now);
        if (StatusDiff.Differs(pdb, status))
        {
            var copy = pdb.DeepCopy();
            copy["status"] = status;
            try
            {
                await _client.UpdateStatusAsync(KnownResources.PodDisruptionBudgets, copy, ct).ConfigureAwait(false);
            }
            catch (ApiRequestException ex) when (ex.IsNotFound)
            {
            }
        }

        return nextExpiry is { } next ? ReconcileResult.After(next - now + TimeSpan.FromSeconds(1)) : ReconcileResult.Done;
    }

    /// <summary>The summed replicas of the pods' controllers, when every pod has one we can size (a Deployment through its ReplicaSet, a StatefulSet).</summary>
    private int? Scale(IReadOnlyList<JsonObject> pods)
    {
        var scales = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var pod in pods)
        {
            if (ControllerRefs.ControllerOf(pod) is not { } owner)
            {
                return null;
            }

            var ns = pod.GetNamespace();
            switch (owner.Kind)
            {
                case "ReplicaSet" when _replicaSets.Cache.Get($"{ns}/{owner.Name}") is { } rs && rs.GetUid() == owner.Uid:
                    if (ControllerRefs.ControllerOf(rs) is { Kind: "Deployment" } deployRef
                        && _deployments.Cache.Get($"{ns}/{deployRef.Name}") is { } deployment && deployment.GetUid() == deployRef.Uid)
                    {
                        scales[deployment.GetUid()] = Replicas(deployment);
                    }
                    else
                    {
                        scales[rs.GetUid()] = Replicas(rs);
                    }

                    break;
                case "StatefulSet" when _statefulSets.Cache.Get($"{ns}/{owner.Name}") is { } sts && sts.GetUid() == owner.Uid:
                    scales[sts.GetUid()] = Replicas(sts);
                    break;
                default:
                    return null;
            }
        }

        return scales.Values.Sum();
    }

    private static JsonArray Conditions(JsonObject pdb, bool allowed, long generation, DateTimeOffset now)
    {
        var conditions = (pdb["status"]?["conditions"] as JsonArray)?.DeepClone().AsArray() ?? [];
        var existing = conditions.OfType<JsonObject>().FirstOrDefault(c => c.StrOrEmpty("type") == "DisruptionAllowed");
        var status = allowed ? "True" : "False";
        var condition = new JsonObject
        {
            ["type"] = "DisruptionAllowed",
            ["status"] = status,
            ["observedGeneration"] = generation,
            ["lastTransitionTime"] = existing?.StrOrEmpty("status") == status ? existing["lastTransitionTime"]?.DeepClone() : Timestamps.Format(now),
            ["reason"] = allowed ? "SufficientPods" : "InsufficientPods",
            ["message"] = "",
        };
        if (existing is not null)
        {
            conditions[conditions.IndexOf(existing)] = condition;
        }
        else
        {
            conditions.Add(condition);
        }

        return conditions;
    }

    private static int Replicas(JsonObject obj) => (int)((obj["spec"] as JsonObject)?.Long("replicas") ?? 1);

    private void EnqueueBudgetsOf(JsonObject pod)
    {
        foreach (var pdb in _budgets.Cache.ByIndex(IndexedCache.NamespaceIndex, pod.GetNamespace()))
        {
            if (LabelSelector.TryFromObject(pdb["spec"]?["selector"], out var selector, out _) && selector.MatchesLabelsOf(pod))
            {
                Queue.Add(pdb.GetKey());
            }
        }
    }

    private void EnqueueNamespace(JsonObject obj)
    {
        foreach (var pdb in _budgets.Cache.ByIndex(IndexedCache.NamespaceIndex, obj.GetNamespace()))
        {
            Queue.Add(pdb.GetKey());
        }
    }
}
