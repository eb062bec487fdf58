namespace Capstan.Controllers.Deployment;

/// <summary>A ReplicaSet as proportional scaling sees it: spec.replicas, its max-replicas annotation (null when absent) and age.</summary>
internal sealed record ScalingView(string Name, int Replicas, int? MaxReplicasAnnotation, DateTimeOffset Created);

/// <summary>
/// Kubernetes' proportional scaling: when spec.replicas changes mid-rollout, each active ReplicaSet grows or shrinks by its
/// share (its size times (replicas + maxSurge) over its max-replicas annotation), and what rounding leaves over goes to the
/// largest (newest on a tie when adding, oldest when removing). Worked example (Kubernetes' tests): replicas 10 → 20 with
/// maxSurge 3, RSs at 5 (new) and 8 (old), both annotated 13: 5·23/13 = 8.8 → 9 (+4), 8·23/13 = 14.2 → 14 (+6), 10 added.
/// </summary>
internal static class ProportionalScaling
{
    /// <summary>The new sizes of the active ReplicaSets (only those that change).</summary>
    public static IReadOnlyList<(string Name, int Replicas)> Scale(int desired, int maxSurge, int statusReplicas, IReadOnlyList<ScalingView> active)
    {
        if (active.Count == 0)
        {
            return [];
        }

        var allowed = desired > 0 ? desired + maxSurge : 0;
        var toAdd = allowed - active.Sum(r => r.Replicas);
        if (toAdd == 0)
        {
            return [];
        }

        // Larger first; on a tie the newer one when adding, the older one when removing.
        var ordered = toAdd > 0
            ? active.OrderByDescending(r => r.Replicas).ThenByDescending(r => r.Created).ThenBy(r => r.Name, StringComparer.Ordinal).ToList()
            : active.OrderByDescending(r => r.Replicas).ThenBy(r => r.Created).ThenBy(r => r.Name, StringComparer.Ordinal).ToList();
        var sizes = ordered.ToDictionary(r => r.Name, r => r.Replicas, StringComparer.Ordinal);
        var added = 0;
        foreach (var rs in ordered)
        {
            var proportion = Proportion(rs, desired, maxSurge, statusReplicas, toAdd, added);
            sizes[rs.Name] += proportion;
            added += proportion;
        }

        var first = ordered[0].Name;
        sizes[first] = Math.Max(0, sizes[first] + toAdd - added);
        return [.. ordered.Where(r => sizes[r.Name] != r.Replicas).Select(r => (r.Name, sizes[r.Name]))];
    }

    private static int Proportion(ScalingView rs, int desired, int maxSurge, int statusReplicas, int toAdd, int added)
    {
        if (rs.Replicas == 0 || toAdd == added)
        {
            return 0;
        }

        var fraction = Fraction(rs, desired, maxSurge, statusReplicas);
        var allowed = toAdd - added;
        return toAdd > 0 ? Math.Min(fraction, allowed) : Math.Max(fraction, allowed);
    }

    private static int Fraction(ScalingView rs, int desired, int maxSurge, int statusReplicas)
    {
        if (desired == 0)
        {
            return -rs.Replicas;
        }

        var annotated = rs.MaxReplicasAnnotation ?? statusReplicas;
        if (annotated <= 0)
        {
            return 0;
        }

        var size = (double)rs.Replicas * (desired + maxSurge) / annotated;
        return (int)Math.Round(size, MidpointRounding.AwayFromZero) - rs.Replicas;
    }
}
