using System.Net;
using System.Runtime.CompilerServices;
using Capstan.Network.Ingress.Http1;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.Model;

namespace Capstan.Network.Ingress;

/// <summary>
/// Routes the HTTP/1.1 forwarder's requests as the YARP path does: the routing table (host and path precedence), the
/// weighted choice among a route's backends, then round robin over the destinations YARP's active and passive health
/// checks leave available; and reports each outcome to the same per-backend metrics and to YARP's passive health policy.
/// </summary>
internal sealed class IngressHttp1Router(Func<RoutingTable> table, IProxyStateLookup state, IngressMetrics metrics, IPassiveHealthCheckPolicy? passive) : IHttp1Router
{
    // The passive policy reads only whether the request has a forwarder error, so two shared contexts stand for every request.
    private static readonly HttpContext s_succeeded = new DefaultHttpContext(new FeatureCollection());
    private static readonly HttpContext s_failed = Failed();

    private readonly ConditionalWeakTable<ClusterState, StrongBox<int>> _counters = [];
    private readonly ConditionalWeakTable<DestinationModel, StrongBox<IPEndPoint?>> _endPoints = [];

    /// <summary>The YARP listener on loopback that takes what this path does not forward itself (https backends).</summary>
    public IPEndPoint? Fallback { get; set; }

    public Http1Route Route(string host, string path)
    {
        var target = table().Match(host, path);
        if (target is null)
        {
            return new Http1Route(Http1RouteKind.NotFound, metrics.For(IngressMetrics.NoRoute), null, null, null);
        }

        var cluster = WeightedClusterChoice.Choose(target, state);
        var available = cluster?.DestinationsState.AvailableDestinations;
        if (cluster is null || available is not { Count: > 0 })
        {
            return new Http1Route(Http1RouteKind.Unavailable, metrics.For(cluster?.ClusterId ?? target.Backends[0].ClusterId), null, null, null);
        }

        var counter = _counters.GetValue(cluster, static _ => new StrongBox<int>());
        var destination = available[(int)((uint)Interlocked.Increment(ref counter.Value) % (uint)available.Count)];
        var endPoint = _endPoints.GetValue(destination.Model, static model => new StrongBox<IPEndPoint?>(PlainEndPoint(model.Config.Address))).Value;
        if (endPoint is null)
        {
            return Fallback is { } fallback
                ? new Http1Route(Http1RouteKind.Fallback, null, fallback, null, null)
                : new Http1Route(Http1RouteKind.Unavailable, metrics.For(cluster.ClusterId), null, null, null);
        }

        return new Http1Route(Http1RouteKind.Forward, metrics.For(cluster.ClusterId), endPoint, cluster, destination);
    }

    public void Completed(in Http1Route route, int statusCode, bool backendFailed, long elapsedTicks)
    {
        route.Metrics?.Record(statusCode, backendFailed, elapsedTicks);
        if (passive is not null && route is { Cluster: { } cluster, Destination: { } destination } && cluster.Model.Config.HealthCheck?.Passive?.Enabled == true)
        {
            passive.RequestProxied(backendFailed ? s_failed : s_succeeded, cluster, destination);
        }
    }

    /// <summary>"http://10.0.0.5:8080" as an endpoint; null for https or a host name (those go through YARP).</summary>
    internal static IPEndPoint? PlainEndPoint(string address) =>
        Uri.TryCreate(address, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttp && IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip)
            ? new IPEndPoint(ip, uri.Port)
            : null;

    private static DefaultHttpContext Failed()
    {
        var features = new FeatureCollection();
        features.Set<IForwarderErrorFeature>(new TransportError());
        return new DefaultHttpContext(features);
    }

    private sealed class TransportError : IForwarderErrorFeature
    {
        public ForwarderError Error => ForwarderError.Request;

        public Exception? Exception => null;
    }
}
