namespace Capstan.Network.Ingress.Http1;

internal enum Http1RouteKind
{
    /// <summary>No rule and no default backend: 404.</summary>
    NotFound,

    /// <summary>A route whose backends have no endpoint: 503.</summary>
    Unavailable,

    /// <summary>Forward to <see cref="Http1Route.EndPoint"/> over plain HTTP/1.1.</summary>
    Forward,

    /// <summary>
    /// Relay the request unchanged to the YARP listener on loopback at <see cref="Http1Route.EndPoint"/> (a backend this
    /// path does not speak to, such as https); YARP routes it again and records its own metrics.
    /// </summary>
    Fallback,
}
