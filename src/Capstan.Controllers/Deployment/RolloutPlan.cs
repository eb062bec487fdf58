namespace Capstan.Controllers.Deployment;

/// <summary>
/// The rolling-update arithmetic of Kubernetes' deployment controller, as pure functions over <see cref="ReplicaSetView"/>s.
/// Worked example: replicas 10, maxSurge 3, maxUnavailable 2, old RS at 10 (all available), new RS at 0. Scale up: at most
/// 10 + 3 = 13 pods may exist, 10 do, so the new RS goes to 3. Scale down: at least 10 - 2 = 8 must stay available; 13
/// exist, of which the new 3 are not available yet, so 13 - 8 - 3 = 2 old pods may go: the old RS goes to 8.
/// </summary>
internal static class RolloutPlan
{
    /// <summary>maxSurge (rounded up) and maxUnavailable (rounded down) for a rolling update; both zero would stall, so unavailable becomes 1.</summary>
    public static (int MaxSurge, int MaxUnavailable) ResolveFenceposts(int surge, int unavailable)
    {
        if (surge == 0 && unavailable == 0)
        {
            unavailable = 1;
        }

        return (surge, unavailable);
    }

    /// <summary>What the new ReplicaSet should be scaled to next (Kubernetes' NewRSNewReplicas for RollingUpdate).</summary>
    public static int NewReplicaSetReplicas(int desired, int maxSurge, int newReplicas, IEnumerable<ReplicaSetView> all)
    {
        if (newReplicas >= desired)
        {
            return desired;
        }

        var current = all.Sum(r => r.Replicas);
        var maxTotal = desired + maxSurge;
        if (current >= maxTotal)
        {
            return newReplicas;
        }

        return newReplicas + Math.Min(maxTotal - current, desired - newReplicas);
    }

    /// <summary>
    /// The old ReplicaSets' new sizes: first unhealthy old pods (spec above available) go, then available ones while more
    /// than desired - maxUnavailable stay available; oldest ReplicaSets first. Only the ones that change are returned.
    /// </summary>
    public static IReadOnlyList<(string Name, int Replicas)> ScaleDownOld(int desired, int maxUnavailable, ReplicaSetView? newRs, IReadOnlyList<ReplicaSetView> old)
    {
        var oldTotal = old.Sum(r => r.Replicas);
        if (oldTotal == 0)
        {
            return [];
        }

        var sizes = old.OrderBy(r => r.Created).ThenBy(r => r.Name, StringComparer.Ordinal).ToDictionary(r => r.Name, r => r.Replicas, StringComparer.Ordinal);
        var ordered = old.OrderBy(r => r.Created).ThenBy(r => r.Name, StringComparer.Ordinal).ToList();
        var allTotal = oldTotal + (newRs?.Replicas ?? 0);
        var minAvailable = desired - maxUnavailable;
        var newUnavailable = (newRs?.Replicas ?? 0) - (newRs?.AvailableReplicas ?? 0);
        var maxScaledDown = allTotal - minAvailable - newUnavailable;
        if (maxScaledDown <= 0)
        {
            return [];
        }

        // Unhealthy old pods cost no availability: remove them first.
        var cleaned = 0;
        foreach (var rs in ordered)
        {
            if (cleaned >= maxScaledDown)
            {
                break;
            }

            var size = sizes[rs.Name];
            if (size == 0 || size <= rs.AvailableReplicas)
            {
                continue;
            }

            var down = Math.Min(maxScaledDown - cleaned, size - rs.AvailableReplicas);
            sizes[rs.Name] = size - down;
            cleaned += down;
        }

        var available = old.Sum(r => r.AvailableReplicas) + (newRs?.AvailableReplicas ?? 0);
        var total = available - minAvailable;
        var scaled = 0;
        foreach (var rs in ordered)
        {
            if (scaled >= total)
            {
                break;
            }

            var size = sizes[rs.Name];
            if (size == 0)
            {
                continue;
            }

            var down = Math.Min(size, total - scaled);
            sizes[rs.Name] = size - down;
            scaled += down;
        }

        return [.. ordered.Where(r => sizes[r.Name] != r.Replicas).Select(r => (r.Name, sizes[r.Name]))];
    }
}
