using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Model;

namespace Capstan.Network.Ingress;

/// <summary>
/// The first step of YARP's proxy pipeline: matches the request against the Ingress routes (host and path as Kubernetes
/// defines them, which YARP's own route matching does not), picks one of the route's weighted backends, and hands the
/// request to that backend's cluster; load balancing, passive health and forwarding follow as usual. Answers 404 when
/// nothing matches and 503 when no backend has an endpoint.
/// </summary>
internal sealed class IngressRoutingStep(Func<RoutingTable> table, IProxyStateLookup state, IngressMetrics metrics)
{
    public async Task InvokeAsync(HttpContext context, Func<Task> next)
    {
        var started = Stopwatch.GetTimestamp();
        var host = context.Request.Host.Host;
        if (host.EndsWith('.'))
        {
            host = host.TrimEnd('.');
        }

        var target = table().Match(host, context.Request.Path.Value is { Length: > 0 } path ? path : "/");
        if (target is null)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            metrics.For(IngressMetrics.NoRoute).Record(404, false, Stopwatch.GetTimestamp() - started);
            return;
        }

        var cluster = Choose(target);
        if (cluster is null)
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            metrics.For(target.Backends[0].ClusterId).Record(503, false, Stopwatch.GetTimestamp() - started);
            return;
        }

        context.ReassignProxyRequest(cluster);
        await next().ConfigureAwait(false);
        metrics.For(cluster.ClusterId).Record(context.Response.StatusCode, context.GetForwarderErrorFeature() is not null, Stopwatch.GetTimestamp() - started);
    }

    // A backend with no endpoints is skipped, and its weight goes to the others; when only zero-weight backends have
    // endpoints (a canary at 100% whose pods are gone), they share the traffic rather than failing it.
    private ClusterState? Choose(RouteTarget target)
    {
        var backends = target.Backends;
        if (backends.Count == 1)
        {
            return Usable(backends[0].ClusterId);
        }

        Span<int> weights = stackalloc int[backends.Count];
        var candidates = new ClusterState?[backends.Count];
        int total = 0, usable = 0;
        for (var i = 0; i < backends.Count; i++)
        {
            candidates[i] = Usable(backends[i].ClusterId);
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

    private ClusterState? Usable(string clusterId) =>
        state.TryGetCluster(clusterId, out var cluster) && cluster.DestinationsState.AllDestinations.Count > 0 ? cluster : null;
}
