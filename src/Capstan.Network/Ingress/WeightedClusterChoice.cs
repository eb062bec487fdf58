using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Model;

namespace Capstan.Network.Ingress;

/// <summary>
/// Picks the cluster of a route among its weighted backends, over YARP's current cluster states: shared by the YARP
/// routing step (TLS port) and the HTTP/1.1 forwarder (plain port), so both split traffic alike.
/// </summary>
internal static class WeightedClusterChoice
{
    // A backend with no endpoints is skipped, and its weight goes to the others; when only zero-weight backends have
    // endpoints (a canary at 100% whose pods are gone), they share the traffic rather than failing it.
    public static ClusterState? Choose(RouteTarget target, IProxyStateLookup state)
    {
        var backends = target.Backends;
        if (backends.Count == 1)
        {
            return Usable(state, backends[0].ClusterId);
        }

        Span<int> weights = stackalloc int[backends.Count];
        var candidates = new ClusterState?[backends.Count];
        int total = 0, usable = 0;
        for (var i = 0; i < backends.Count; i++)
        {
            candidates[i] = Usable(state, backends[i].ClusterId);
            if (candidates[i] is not null)
            {
                weights[i] = backends[i].Weight;
                total += weights[i];
                usable++;
            }
        }

        if (usable == 0)
        {
            return null;
        }

        // The usual case: every backend can take traffic, and the shares are exact (smooth weighted round robin).
        if (usable == backends.Count && total > 0)
        {
            return candidates[target.Picker.Next()];
        }

        if (total == 0)
        {
            for (var i = 0; i < backends.Count; i++)
            {
                weights[i] = candidates[i] is null ? 0 : 1;
            }

            total = usable;
        }

        var pick = Random.Shared.Next(total);
        for (var i = 0; i < backends.Count; i++)
        {
            pick -= weights[i];
            if (pick < 0)
            {
                return candidates[i];
            }
        }

        return null;
    }

    private static ClusterState? Usable(IProxyStateLookup state, string clusterId) =>
        state.TryGetCluster(clusterId, out var cluster) && cluster.DestinationsState.AllDestinations.Count > 0 ? cluster : null;
}
