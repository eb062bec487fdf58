using System.Text.Json.Nodes;

namespace Capstan.Controllers.Pods;

/// <summary>
/// Kubernetes' ActivePods ordering: pods that sort first are the least valuable, the ones to delete first when scaling
/// down. Unassigned before assigned; Pending before Unknown before Running; not ready before ready; ready for a shorter
/// time before longer; more container restarts before fewer; newer before older.
/// </summary>
internal sealed class ActivePodsComparer : IComparer<JsonObject>
{
    public static ActivePodsComparer Instance { get; } = new();

    public int Compare(JsonObject? x, JsonObject? y)
    {
        if (ReferenceEquals(x, y))
        {
            return 0;
        }

        if (x is null || y is null)
        {
            return x is null ? -1 : 1;
        }

        var assigned = (PodFacts.NodeName(x).Length > 0).CompareTo(PodFacts.NodeName(y).Length > 0);
        if (assigned != 0)
        {
            return assigned;
        }

        var phase = PhaseRank(x).CompareTo(PhaseRank(y));
        if (phase != 0)
        {
            return phase;
        }

        var readyX = PodFacts.IsReady(x);
        var readyY = PodFacts.IsReady(y);
        if (readyX != readyY)
        {
            return readyX ? 1 : -1;
        }

        if (readyX && PodFacts.ReadySince(x) is { } sinceX && PodFacts.ReadySince(y) is { } sinceY && sinceX != sinceY)
        {
            // Became ready later = ready for less time = less valuable.
            return sinceY.CompareTo(sinceX);
        }

        var restarts = PodFacts.MaxRestarts(y).CompareTo(PodFacts.MaxRestarts(x));
        if (restarts != 0)
        {
            return restarts;
        }

        var createdX = Timestamps.CreationTime(x);
        var createdY = Timestamps.CreationTime(y);
        if (createdX != createdY)
        {
            // No creation time sorts first, then newer before older.
            return createdX is null ? -1 : createdY is null ? 1 : createdY.Value.CompareTo(createdX.Value);
        }

        return 0;
    }

    private static int PhaseRank(JsonObject pod) => PodFacts.Phase(pod) switch
    {
        "Pending" or "" => 0,
        "Unknown" => 1,
        "Running" => 2,
        _ => 3,
    };
}
