using System.Net;
using Yarp.ReverseProxy.Model;

namespace Capstan.Network.Ingress.Http1;

/// <summary>Where one request goes, and what its outcome is reported against (metrics, passive health).</summary>
internal readonly record struct Http1Route(Http1RouteKind Kind, BackendMetrics? Metrics, IPEndPoint? EndPoint, ClusterState? Cluster, DestinationState? Destination);
