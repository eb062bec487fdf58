using System.Net;

namespace Capstan.Network.Ingress;

/// <summary>The settings of the built-in ingress controller (`capstan server --ingress-http-port ...`).</summary>
public sealed record IngressOptions
{
    /// <summary>The IngressClass this controller creates at start and serves.</summary>
    public const string DefaultClassName = "capstan";

    /// <summary>spec.controller of the IngressClasses this controller serves.</summary>
    public const string ControllerName = "capstan.io/ingress-controller";

    /// <summary>Where the HTTP and HTTPS ports listen; `capstan server` puts the node's address here.</summary>
    public IPAddress BindAddress { get; init; } = IPAddress.Any;

    public int HttpPort { get; init; } = 80;

    public int HttpsPort { get; init; } = 443;

    /// <summary>Prometheus text on /metrics at this port (loopback only); 0 serves none.</summary>
    public int MetricsPort { get; init; }

    /// <summary>The node address written into status.loadBalancer.ingress (an IP, or else a hostname).</summary>
    public string StatusAddress { get; init; } = "127.0.0.1";

    public string ClassName { get; init; } = DefaultClassName;

    /// <summary>Create the IngressClass (as the default class) at start when it does not exist.</summary>
    public bool CreateIngressClass { get; init; } = true;

    /// <summary>Changes arriving within this window are applied together (a rollout touches many slices at once).</summary>
    public TimeSpan ReloadDelay { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>A destination the passive health check ejects for failing comes back after this long.</summary>
    public TimeSpan PassiveReactivationPeriod { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Kestrel runs socket continuations on its I/O threads (SocketTransportOptions.UnsafePreferInlineScheduling). Off by
    /// default: on the loaded 2-core bench machine A/B runs did not show a difference beyond the noise (bench/README.md).
    /// </summary>
    public bool InlineSocketCompletions { get; init; }

    /// <summary>
    /// Serve the plain HTTP port with the ingress's own HTTP/1.1 forwarder (Ingress/Http1, Linux) rather than Kestrel and
    /// YARP; the TLS port stays on Kestrel and YARP either way. The environment variable CAPSTAN_INGRESS_HTTP1=0 turns it
    /// off (for A/B benchmarks of the same build).
    /// </summary>
    public bool Http1Forwarder { get; init; } = Environment.GetEnvironmentVariable("CAPSTAN_INGRESS_HTTP1") != "0";

    /// <summary>Interval of the optional active probe (annotation capstan.io/health-check-path).</summary>
    public TimeSpan ActiveHealthInterval { get; init; } = TimeSpan.FromSeconds(5);
}
