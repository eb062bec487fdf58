using System.Text.Json.Nodes;
using Capstan.Api.Validation;

namespace Capstan.Scheduler.Framework;

/// <summary>
/// What a pod asks of a node, as kube-scheduler computes it. Regular containers run together, so their requests add up;
/// init containers run one at a time before them, so the pod needs the largest of them; native sidecars (init containers
/// with restartPolicy Always) keep running once started, so they add to everything after them; spec.overhead comes on top.
/// </summary>
/// <remarks>
/// Example: sidecar S (cpu 100m) then init I (cpu 1) then containers A (200m) and B (300m). While I runs, S runs too: 1100m.
/// Afterwards S + A + B = 600m. The pod needs max(600m, 1100m) = 1100m, plus overhead.
/// </remarks>
public static class PodResources
{
    /// <summary>Kubernetes' non-zero defaults: a container without a CPU or memory request counts as this much when scoring.</summary>
    public const long DefaultMilliCpuRequest = 100;

    public const long DefaultMemoryRequest = 200L * 1024 * 1024;

    /// <summary>The pod's effective requests, used to filter.</summary>
    public static Resources Requests(JsonObject? spec) => Compute(spec, nonZero: false);

    /// <summary>Like <see cref="Requests"/>, with missing CPU and memory requests of each container counted at the defaults; used to score.</summary>
    public static Resources NonZeroRequests(JsonObject? spec) => Compute(spec, nonZero: true);

    private static Resources Compute(JsonObject? spec, bool nonZero)
    {
        var total = new Resources();
        if (spec is null)
        {
            return total;
        }

        foreach (var (_, container) in spec.Items("containers"))
        {
            total.Add(ContainerRequests(container, nonZero));
        }

        var sidecars = new Resources();
        var initPeak = new Resources();
        foreach (var (_, container) in spec.Items("initContainers"))
        {
            var requests = ContainerRequests(container, nonZero);
            if (container.Str("restartPolicy") == "Always")
            {
                // A sidecar runs beside the app containers and every init container after it.
                total.Add(requests);
                sidecars.Add(requests);
                initPeak.SetMax(sidecars);
            }
            else
            {
                requests.Add(sidecars);
                initPeak.SetMax(requests);
            }
        }

        total.SetMax(initPeak);
        total.Add(ResourceList.Parse(spec.Obj("overhead")));
        return total;
    }

    private static Resources ContainerRequests(JsonObject container, bool nonZero)
    {
        var requests = ResourceList.Parse(container.Obj("resources")?.Obj("requests"));
        if (nonZero)
        {
            var declared = container.Obj("resources")?.Obj("requests");
            if (declared?[Resources.Cpu] is null)
            {
                requests.MilliCpu = DefaultMilliCpuRequest;
            }

            if (declared?[Resources.Memory] is null)
            {
                requests.MemoryBytes = DefaultMemoryRequest;
            }
        }

        return requests;
    }
}
