using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy;

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

        var cluster = WeightedClusterChoice.Choose(target, state);
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
}
