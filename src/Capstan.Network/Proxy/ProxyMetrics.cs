using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using Capstan.Network.Catalog;

namespace Capstan.Network.Proxy;

/// <summary>
/// Per-backend counters of the proxy (connections, connect errors, bytes, connect-time histogram) and rejected
/// connections per service port, written in the Prometheus text format.
/// </summary>
public sealed class ProxyMetrics
{
    private readonly ConcurrentDictionary<(ServiceKey Service, string Port, string Protocol, IPEndPoint EndPoint), BackendStats> _backends = new();
    private readonly ConcurrentDictionary<(ServiceKey Service, string Port, string Protocol), StrongBox<long>> _rejected = new();

    /// <summary>The stats of one backend, created on first use; the proxy resolves them when endpoints change, not per connection.</summary>
    public BackendStats For(ServiceKey service, string portName, string protocol, IPEndPoint endPoint) =>
        _backends.GetOrAdd((service, portName, protocol, endPoint), static k => new BackendStats(k.Service, k.Port, k.Protocol, k.EndPoint));

    public IEnumerable<BackendStats> Backends => _backends.Values;

    public long Rejected(ServiceKey service, string portName, string protocol) =>
        _rejected.TryGetValue((service, portName, protocol), out var box) ? Volatile.Read(ref box.Value) : 0;

    internal StrongBox<long> RejectedCounter(ServiceKey service, string portName, string protocol) =>
        _rejected.GetOrAdd((service, portName, protocol), static _ => new StrongBox<long>());

    /// <summary>Drops the counters of a deleted service.</summary>
    internal void Forget(ServiceKey service)
    {
        foreach (var key in _backends.Keys)
        {
            if (key.Service == service)
            {
                _backends.TryRemove(key, out _);
            }
        }

        foreach (var key in _rejected.Keys)
        {
            if (key.Service == service)
            {
                _rejected.TryRemove(key, out _);
            }
        }
    }

    public void WriteTo(StringBuilder text)
    {
        var backends = _backends.Values.OrderBy(b => b.Service.ToString(), StringComparer.Ordinal).ThenBy(b => b.PortName, StringComparer.Ordinal).ThenBy(b => b.EndPoint.ToString(), StringComparer.Ordinal).ToList();
        Counter(text, "capstan_proxy_backend_connections_total", "TCP connections (or UDP flows) forwarded to the backend.", backends, b => b.Connections);
        Counter(text, "capstan_proxy_backend_connect_errors_total", "Failed or timed-out connects to the backend.", backends, b => b.ConnectErrors);
        Counter(text, "capstan_proxy_backend_sent_bytes_total", "Bytes from clients to the backend.", backends, b => b.BytesToBackend);
        Counter(text, "capstan_proxy_backend_received_bytes_total", "Bytes from the backend to clients.", backends, b => b.BytesFromBackend);

        text.Append("# HELP capstan_proxy_backend_connect_duration_seconds Time to connect to the backend.\n");
        text.Append("# TYPE capstan_proxy_backend_connect_duration_seconds histogram\n");
        foreach (var backend in backends.Where(b => b.Protocol == "TCP"))
        {
            var labels = Labels(backend);
            long cumulative = 0;
            for (var i = 0; i <= BackendStats.ConnectBuckets.Length; i++)
            {
                cumulative += backend.BucketCount(i);
                var bound = i < BackendStats.ConnectBuckets.Length ? BackendStats.ConnectBuckets[i].ToString(CultureInfo.InvariantCulture) : "+Inf";
                text.Append(CultureInfo.InvariantCulture, $"capstan_proxy_backend_connect_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {cumulative}\n");
            }

            var sum = (double)backend.ConnectTicks / Stopwatch.Frequency;
            text.Append(CultureInfo.InvariantCulture, $"capstan_proxy_backend_connect_duration_seconds_sum{{{labels}}} {sum}\n");
            text.Append(CultureInfo.InvariantCulture, $"capstan_proxy_backend_connect_duration_seconds_count{{{labels}}} {cumulative}\n");
        }

        text.Append("# HELP capstan_proxy_rejected_total Connections reset (TCP) or datagrams dropped (UDP) for want of a usable backend.\n");
        text.Append("# TYPE capstan_proxy_rejected_total counter\n");
        foreach (var (key, box) in _rejected.OrderBy(r => r.Key.Service.ToString(), StringComparer.Ordinal))
        {
            text.Append(CultureInfo.InvariantCulture, $"capstan_proxy_rejected_total{{service=\"{Escape(key.Service.ToString())}\",port=\"{Escape(key.Port)}\",protocol=\"{key.Protocol}\"}} {Volatile.Read(ref box.Value)}\n");
        }
    }

    public override string ToString()
    {
        var text = new StringBuilder();
        WriteTo(text);
        return text.ToString();
    }

    private static void Counter(StringBuilder text, string name, string help, List<BackendStats> backends, Func<BackendStats, long> value)
    {
        text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
        text.Append("# TYPE ").Append(name).Append(" counter\n");
        foreach (var backend in backends)
        {
            text.Append(CultureInfo.InvariantCulture, $"{name}{{{Labels(backend)}}} {value(backend)}\n");
        }
    }

    private static string Labels(BackendStats backend) =>
        $"service=\"{Escape(backend.Service.ToString())}\",port=\"{Escape(backend.PortName)}\",protocol=\"{backend.Protocol}\",endpoint=\"{backend.EndPoint}\"";

    private static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
}
