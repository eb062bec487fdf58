using System.Text.Json.Nodes;
using Capstan.Api.Validation;

namespace Capstan.Api.Quota;

/// <summary>
/// A pod's effective requests or limits, as Kubernetes computes them for LimitRange and quota: the containers' sum, or the
/// largest init container if more (a restartable init container — a sidecar — runs beside everything after it, so it adds
/// to both), plus spec.overhead when asked (on limits, only those the pod sets).
/// </summary>
/// <example>Containers 100m + 200m, init containers 500m then 100m: max(300m, 500m) = 500m.</example>
public static class PodResourceTotals
{
    public static ResourceAmounts Requests(JsonObject spec, bool withOverhead = false) => Total(spec, "requests", withOverhead);

    public static ResourceAmounts Limits(JsonObject spec, bool withOverhead = false) => Total(spec, "limits", withOverhead);

    private static ResourceAmounts Total(JsonObject spec, string list, bool withOverhead)
    {
        var total = new ResourceAmounts();
        foreach (var (_, container) in spec.Items("containers"))
        {
            total.AddAll(ResourceAmounts.Read(container.Obj("resources")?.Obj(list)));
        }

        var sidecars = new ResourceAmounts();
        var initPeak = new ResourceAmounts();
        foreach (var (_, container) in spec.Items("initContainers"))
        {
            var own = ResourceAmounts.Read(container.Obj("resources")?.Obj(list));
            ResourceAmounts running;
            if (container.StrOrEmpty("restartPolicy") == "Always")
            {
                total.AddAll(own);
                sidecars.AddAll(own);
                running = sidecars;
            }
            else
            {
                running = own.Copy();
                running.AddAll(sidecars);
            }

            initPeak.MaxAll(running);
        }

        total.MaxAll(initPeak);
        // Overhead adds to every request, but only to limits the pod sets (an unset limit stays unlimited).
        foreach (var (name, overhead) in withOverhead ? ResourceAmounts.Read(spec.Obj("overhead")) : [])
        {
            if (list == "requests" || total.ContainsKey(name))
            {
                total.Accumulate(name, overhead);
            }
        }

        return total;
    }
}
