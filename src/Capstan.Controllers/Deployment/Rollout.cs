using System.Text.Json.Nodes;
using Capstan.Api.Validation;
using Capstan.Controllers.Pods;
using Capstan.Controllers.Scaling;

namespace Capstan.Controllers.Deployment;

/// <summary>One reconcile's view of a Deployment and the ReplicaSets it controls, kept current as the pass scales them.</summary>
internal sealed class Rollout
{
    private readonly List<JsonObject> _all;

    public Rollout(JsonObject deployment, IEnumerable<JsonObject> owned)
    {
        Deployment = deployment;
        _all = [.. owned.OrderBy(r => Timestamps.CreationTime(r) ?? DateTimeOffset.MaxValue).ThenBy(r => r["metadata"]?["name"]?.GetValue<string>(), StringComparer.Ordinal)];
        var spec = deployment["spec"] as JsonObject ?? new JsonObject();
        Template = spec["template"] as JsonObject ?? new JsonObject();
        Desired = (int)(spec.Long("replicas") ?? 1);
        CollisionCount = (deployment["status"] as JsonObject)?.Long("collisionCount");
        Conditions = (deployment["status"]?["conditions"] as JsonArray)?.DeepClone().AsArray() ?? [];
        var strategy = spec["strategy"] as JsonObject;
        if (strategy?.StrOrEmpty("type") == "Recreate" || Desired == 0)
        {
            MaxSurge = 0;
            MaxUnavailable = 0;
        }
        else
        {
            var rolling = strategy?["rollingUpdate"] as JsonObject;
            var surge = IntOrPercentScaling.Scale(rolling?["maxSurge"] ?? "25%", Desired, roundUp: true);
            var unavailable = IntOrPercentScaling.Scale(rolling?["maxUnavailable"] ?? "25%", Desired, roundUp: false);
            (MaxSurge, MaxUnavailable) = RolloutPlan.ResolveFenceposts(surge, unavailable);
            MaxUnavailable = Math.Min(MaxUnavailable, Desired);
        }
    }

    public JsonObject Deployment { get; }

    public JsonObject Template { get; }

    public int Desired { get; }

    public int MaxSurge { get; }

    public int MaxUnavailable { get; }

    public long? CollisionCount { get; }

    /// <summary>A copy of the stored conditions.</summary>
    public JsonArray Conditions { get; }

    public IReadOnlyList<JsonObject> All => _all;

    /// <summary>The conditions of the status this pass computed.</summary>
    public JsonArray? StatusConditions { get; set; }

    /// <summary>The Deployment as the last write of this pass returned it (a newer resourceVersion than <see cref="Deployment"/>).</summary>
    public JsonObject? Stored { get; set; }

    public JsonObject? New { get; private set; }

    public IEnumerable<JsonObject> Old => _all.Where(r => !ReferenceEquals(r, New));

    public long MaxOldRevision => Old.Select(DeploymentController.Revision).DefaultIfEmpty(0).Max();

    /// <summary>The oldest ReplicaSet whose template is the Deployment's (ignoring the pod-template-hash label).</summary>
    public JsonObject? FindNew()
    {
        New = _all.FirstOrDefault(r => SameTemplate(r, Template));
        return New;
    }

    public void SetNew(JsonObject rs)
    {
        _all.Add(rs);
        New = rs;
    }

    public void Replace(JsonObject old, JsonObject updated)
    {
        var i = _all.FindIndex(r => ReferenceEquals(r, old));
        if (i >= 0)
        {
            _all[i] = updated;
        }

        if (ReferenceEquals(New, old))
        {
            New = updated;
        }
    }

    public static bool SameTemplate(JsonObject rs, JsonObject template) =>
        PodTemplateHash.Canonical(WithoutHash(rs["spec"]?["template"] as JsonObject)) == PodTemplateHash.Canonical(WithoutHash(template));

    private static JsonObject WithoutHash(JsonObject? template)
    {
        var copy = template?.DeepClone().AsObject() ?? new JsonObject();
        (copy["metadata"]?["labels"] as JsonObject)?.Remove(PodTemplateHash.Label);
        return copy;
    }
}
