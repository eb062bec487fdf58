using System.Text.Json.Nodes;
using Capstan.Controllers.Scaling;

namespace Capstan.Controllers.Disruption;

/// <summary>
/// A PodDisruptionBudget's arithmetic (Kubernetes' getExpectedPodCount and updatePdbStatus). minAvailable as an integer
/// counts against the matching pods; a percentage, or maxUnavailable, counts against the controllers' scale (rounded up).
/// Example: maxUnavailable 25% of a 10-replica Deployment: 3 may be unavailable, so 7 must stay healthy; with 9 ready, 2
/// disruptions are allowed.
/// </summary>
internal static class DisruptionBudgetMath
{
    /// <summary>expectedPods and desiredHealthy; <paramref name="scale"/> is the controllers' replicas (null when unknown: the pod count stands in).</summary>
    public static (int Expected, int DesiredHealthy) Desired(JsonNode? minAvailable, JsonNode? maxUnavailable, int podCount, int? scale)
    {
        if (maxUnavailable is not null)
        {
            var expected = scale ?? podCount;
            var unavailable = IntOrPercentScaling.Scale(maxUnavailable, expected, roundUp: true);
            return (expected, Math.Max(0, expected - unavailable));
        }

        if (minAvailable is not null)
        {
            if (!IntOrPercentScaling.IsPercent(minAvailable))
            {
                return (podCount, IntOrPercentScaling.Scale(minAvailable, podCount, roundUp: true));
            }

            var expected = scale ?? podCount;
            return (expected, IntOrPercentScaling.Scale(minAvailable, expected, roundUp: true));
        }

        return (0, 0);
    }

    /// <summary>currentHealthy - desiredHealthy, never negative, and 0 while no pods are expected (a budget that just started matching is safe).</summary>
    public static int DisruptionsAllowed(int currentHealthy, int desiredHealthy, int expected) =>
        expected <= 0 ? 0 : Math.Max(0, currentHealthy - desiredHealthy);
}
