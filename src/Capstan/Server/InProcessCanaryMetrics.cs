using System.Net;
using Capstan.Controllers.Canary;
using Capstan.Network.Ingress;
using Capstan.Network.Proxy;

namespace Capstan.Server;

/// <summary>
/// The canary analysis of `capstan server` reads the embedded service proxy's and ingress's counters in memory: the very
/// text their /metrics endpoints serve, parsed the same way, and available even when those ports are turned off.
/// </summary>
internal sealed class InProcessCanaryMetrics(Func<ProxyMetrics?> proxy, Func<IngressMetrics?> ingress) : ICanaryMetrics
{
    public Task<TrafficSample> SampleAsync(string ns, string service, string canaryService, IReadOnlySet<IPAddress> canaryPodIps, CancellationToken ct) =>
        Task.FromResult(PrometheusCanaryMetrics.Parse([proxy()?.ToString() ?? "", ingress()?.ToPrometheusText() ?? ""], ns, service, canaryService, canaryPodIps));
}
