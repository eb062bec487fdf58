using System.Net;

namespace Capstan.Controllers.Canary;

/// <summary>Where the canary analysis reads traffic figures; one method so tests can fake it.</summary>
public interface ICanaryMetrics
{
    /// <summary>
    /// The cumulative figures of the canary pods (<paramref name="canaryPodIps"/>) behind Service
    /// <paramref name="ns"/>/<paramref name="service"/>, and of the canary Service <paramref name="canaryService"/>'s ingress backend.
    /// </summary>
    Task<TrafficSample> SampleAsync(string ns, string service, string canaryService, IReadOnlySet<IPAddress> canaryPodIps, CancellationToken ct);
}
