using System.Globalization;
using System.Net;

namespace Capstan.Controllers.Canary;

/// <summary>
/// Reads the canary's figures from the Prometheus text the service proxy (<c>:10249/metrics</c>) and the ingress
/// (<c>:10254/metrics</c>) export. Inside <c>capstan server</c> these are the embedded agent's, on loopback, so the
/// analysis judges exactly the numbers a Prometheus would scrape, without a reference from the controllers to the network
/// code. Proxy figures are per endpoint (the canary pods' IPs): connections count as requests and failed connects as
/// errors, connect time as latency. Ingress figures are per backend: the canary Service's requests, 5xx and failures,
/// request time. A source that does not answer adds nothing (a server without ingress, or with the proxy turned off).
/// </summary>
public sealed class PrometheusCanaryMetrics(HttpClient http, IReadOnlyList<Uri> sources) : ICanaryMetrics
{
    public static readonly Uri[] DefaultSources = [new("http://127.0.0.1:10249/metrics"), new("http://127.0.0.1:10254/metrics")];

    /// <summary>This host's proxy and ingress on their default ports, read with a short timeout.</summary>
    public static PrometheusCanaryMetrics Default { get; } = new(new HttpClient { Timeout = TimeSpan.FromSeconds(2) }, DefaultSources);

    public async Task<TrafficSample> SampleAsync(string ns, string service, string canaryService, IReadOnlySet<IPAddress> canaryPodIps, CancellationToken ct)
    {
        var texts = new List<string>();
        foreach (var source in sources)
        {
            try
            {
                texts.Add(await http.GetStringAsync(source, ct).ConfigureAwait(false));
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
            }
        }

        return Parse(texts, ns, service, canaryService, canaryPodIps);
    }

    /// <summary>Sums the canary's series out of Prometheus text documents.</summary>
    public static TrafficSample Parse(IEnumerable<string> texts, string ns, string service, string canaryService, IReadOnlySet<IPAddress> canaryPodIps)
    {
        long requests = 0, errors = 0;
        var buckets = new Dictionary<double, long>();
        var serviceLabel = $"{ns}/{service}";
        var ingressPrefix = $"{ns}/{canaryService}:";
        foreach (var text in texts)
        {
            foreach (var raw in text.Split('\n'))
            {
                var line = raw.Trim();
                if (line.Length == 0 || line[0] == '#' || !TrySplit(line, out var name, out var labels, out var value))
                {
                    continue;
                }

                if (name.StartsWith("capstan_proxy_backend_", StringComparison.Ordinal))
                {
                    if (labels.GetValueOrDefault("service") != serviceLabel || !IPEndPoint.TryParse(labels.GetValueOrDefault("endpoint") ?? "", out var endpoint) || !canaryPodIps.Contains(endpoint.Address))
                    {
                        continue;
                    }

                    switch (name)
                    {
                        case "capstan_proxy_backend_connections_total":
                            requests += (long)value;
                            break;
                        case "capstan_proxy_backend_connect_errors_total":
                            // Failed connects are not in connections_total: they are attempts too.
                            requests += (long)value;
                            errors += (long)value;
                            break;
                        case "capstan_proxy_backend_connect_duration_seconds_bucket":
                            AddBucket(buckets, labels, value);
                            break;
                    }
                }
                else if (name.StartsWith("capstan_ingress_", StringComparison.Ordinal) && labels.GetValueOrDefault("backend") is { } backend && backend.StartsWith(ingressPrefix, StringComparison.Ordinal))
                {
                    switch (name)
                    {
                        case "capstan_ingress_requests_total":
                            requests += (long)value;
                            break;
                        case "capstan_ingress_errors_total":
                            errors += (long)value;
                            break;
                        case "capstan_ingress_request_duration_seconds_bucket":
                            AddBucket(buckets, labels, value);
                            break;
                    }
                }
            }
        }

        return new TrafficSample(requests, errors, buckets);
    }

    private static void AddBucket(Dictionary<double, long> buckets, Dictionary<string, string> labels, double value)
    {
        var le = labels.GetValueOrDefault("le");
        var bound = le == "+Inf" ? double.PositiveInfinity : double.TryParse(le, NumberStyles.Float, CultureInfo.InvariantCulture, out var b) ? b : double.NaN;
        if (!double.IsNaN(bound))
        {
            buckets[bound] = buckets.GetValueOrDefault(bound) + (long)value;
        }
    }

    // name{a="x",b="y"} value — label values here never hold quotes or commas except escaped quotes.
    private static bool TrySplit(string line, out string name, out Dictionary<string, string> labels, out double value)
    {
        labels = new Dictionary<string, string>(StringComparer.Ordinal);
        value = 0;
        var brace = line.IndexOf('{', StringComparison.Ordinal);
        var close = line.LastIndexOf('}');
        var space = line.LastIndexOf(' ');
        name = brace < 0 ? (space < 0 ? line : line[..space]) : line[..brace];
        if (space < 0 || !double.TryParse(line[(space + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out value))
        {
            return false;
        }

        if (brace >= 0 && close > brace)
        {
            var body = line[(brace + 1)..close];
            var i = 0;
            while (i < body.Length)
            {
                var eq = body.IndexOf('=', i);
                if (eq < 0 || eq + 1 >= body.Length || body[eq + 1] != '"')
                {
                    break;
                }

                var key = body[i..eq].Trim(',', ' ');
                var j = eq + 2;
                var text = new System.Text.StringBuilder();
                while (j < body.Length && body[j] != '"')
                {
                    if (body[j] == '\\' && j + 1 < body.Length)
                    {
                        j++;
                    }

                    text.Append(body[j]);
                    j++;
                }

                labels[key] = text.ToString();
                i = j + 1;
            }
        }

        return true;
    }
}
