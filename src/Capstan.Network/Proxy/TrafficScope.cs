namespace Capstan.Network.Proxy;

/// <summary>
/// Which traffic policy applies to a listener: ClusterIP traffic follows <c>internalTrafficPolicy</c>; NodePort,
/// LoadBalancer and external IP traffic follows <c>externalTrafficPolicy</c>.
/// </summary>
internal enum TrafficScope
{
    Internal,
    External,
}
