using System.CommandLine;
using Capstan.Network.Ingress;

namespace Capstan.Commands;

/// <summary>The `capstan server` flags of the built-in ingress controller.</summary>
public sealed class IngressFlags
{
    public Option<int> HttpPort { get; } = new("--ingress-http-port") { Description = "HTTP port of the built-in ingress controller", DefaultValueFactory = _ => 80 };

    public Option<int> HttpsPort { get; } = new("--ingress-https-port") { Description = "HTTPS port of the built-in ingress controller", DefaultValueFactory = _ => 443 };

    public Option<int> MetricsPort { get; } = new("--ingress-metrics-port") { Description = "Loopback port of the ingress's Prometheus /metrics (0: none)", DefaultValueFactory = _ => 10254 };

    public Option<bool> Disable { get; } = new("--disable-ingress") { Description = "Do not run the built-in ingress controller" };

    public IEnumerable<Option> All => [HttpPort, HttpsPort, MetricsPort, Disable];

    public IngressOptions? Parse(ParseResult parse) => parse.GetValue(Disable) ? null : new IngressOptions
    {
        HttpPort = parse.GetValue(HttpPort),
        HttpsPort = parse.GetValue(HttpsPort),
        MetricsPort = parse.GetValue(MetricsPort),
    };
}
