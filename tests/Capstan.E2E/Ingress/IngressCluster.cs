using System.Globalization;
using Capstan.E2E.Infrastructure;

namespace Capstan.E2E.Ingress;

/// <summary>A cluster whose server runs the ingress controller on free ports (80/443 are for whoever gets them first).</summary>
public sealed class IngressCluster : WorkloadCluster
{
    public int IngressHttpPort { get; } = CapstanServerFixture.FreePort();

    public int IngressHttpsPort { get; } = CapstanServerFixture.FreePort();

    protected override IEnumerable<string> ExtraServerArguments() =>
    [
        .. base.ExtraServerArguments(),
        "--ingress-http-port", IngressHttpPort.ToString(CultureInfo.InvariantCulture),
        "--ingress-https-port", IngressHttpsPort.ToString(CultureInfo.InvariantCulture),
        "--ingress-metrics-port", "0",
    ];
}
