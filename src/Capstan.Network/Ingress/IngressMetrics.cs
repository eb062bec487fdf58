using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace Capstan.Network.Ingress;

/// <summary>Per-backend counters of the ingress, written as Prometheus text.</summary>
public sealed class IngressMetrics
{
    /// <summary>The backend label of requests that matched no route (answered 404).</summary>
    public const string NoRoute = "-";

    private readonly ConcurrentDictionary<string, BackendMetrics> _backends = new(StringComparer.Ordinal);

    public BackendMetrics For(string backend) =>
        _backends.TryGetValue(backend, out var metrics) ? metrics : _backends.GetOrAdd(backend, static b => new BackendMetrics(b));

    public IReadOnlyCollection<BackendMetrics> Backends => [.. _backends.Values];

    public string ToPrometheusText()
    {
        var text = new StringBuilder();
        var backends = _backends.Values.OrderBy(b => b.Backend, StringComparer.Ordinal).ToList();
        text.Append("# HELP capstan_ingress_requests_total Requests the ingress routed, by backend (namespace/service:port).\n# TYPE capstan_ingress_requests_total counter\n");
        foreach (var b in backends)
        {
            Line(text, "capstan_ingress_requests_total", b.Backend, null, b.Requests);
        }

        text.Append("# HELP capstan_ingress_errors_total Requests answered 5xx or failed in the proxy, by backend.\n# TYPE capstan_ingress_errors_total counter\n");
        foreach (var b in backends)
        {
            Line(text, "capstan_ingress_errors_total", b.Backend, null, b.Errors);
        }

        text.Append("# HELP capstan_ingress_responses_total Responses by backend and status class.\n# TYPE capstan_ingress_responses_total counter\n");
        foreach (var b in backends)
        {
            for (var c = 1; c <= 5; c++)
            {
                Line(text, "capstan_ingress_responses_total", b.Backend, $"code=\"{c}xx\"", b.ResponsesOfClass(c));
            }
        }

        text.Append("# HELP capstan_ingress_request_duration_seconds Time from routing to the end of the response, by backend.\n# TYPE capstan_ingress_request_duration_seconds histogram\n");
        foreach (var b in backends)
        {
            long cumulative = 0;
            for (var i = 0; i < BackendMetrics.BucketBounds.Length; i++)
            {
                cumulative += b.Bucket(i);
                Line(text, "capstan_ingress_request_duration_seconds_bucket", b.Backend, $"le=\"{BackendMetrics.BucketBounds[i].ToString(CultureInfo.InvariantCulture)}\"", cumulative);
            }

            var count = b.Requests;
            Line(text, "capstan_ingress_request_duration_seconds_bucket", b.Backend, "le=\"+Inf\"", count);
            text.Append(CultureInfo.InvariantCulture, $"capstan_ingress_request_duration_seconds_sum{{backend=\"{b.Backend}\"}} {b.ElapsedSeconds.ToString("R", CultureInfo.InvariantCulture)}\n");
            Line(text, "capstan_ingress_request_duration_seconds_count", b.Backend, null, count);
        }

        return text.ToString();
    }

    private static void Line(StringBuilder text, string name, string backend, string? extra, long value) =>
        text.Append(CultureInfo.InvariantCulture, $"{name}{{backend=\"{backend}\"{(extra is null ? "" : "," + extra)}}} {value}\n");
}
