namespace Capstan.Network.Ingress.Http1;

/// <summary>Limits and timeouts of the HTTP/1.1 forwarder (defaults as Kestrel's and YARP's HttpClient's).</summary>
internal sealed record Http1ForwarderOptions
{
    /// <summary>Each direction's buffer; a request head must fit in one (Kestrel allows 32 KiB of headers).</summary>
    public int BufferSize { get; init; } = 32 * 1024;

    /// <summary>An idle client connection closes after this (Kestrel's KeepAliveTimeout).</summary>
    public TimeSpan KeepAliveTimeout { get; init; } = TimeSpan.FromSeconds(130);

    /// <summary>A request head must arrive within this (Kestrel's RequestHeadersTimeout).</summary>
    public TimeSpan HeadTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Connecting to a backend fails after this (the ingress's HttpClient ConnectTimeout).</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>A pooled backend connection unused this long closes (the ingress's PooledConnectionIdleTimeout).</summary>
    public TimeSpan PooledIdleTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>An exchange with no bytes moving either way this long fails with 504 (YARP's ActivityTimeout).</summary>
    public TimeSpan ActivityTimeout { get; init; } = TimeSpan.FromSeconds(100);

    /// <summary>Event loops (threads); by default one per CPU.</summary>
    public int Loops { get; init; } = Environment.ProcessorCount;
}
