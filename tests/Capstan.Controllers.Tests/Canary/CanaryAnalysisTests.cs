using System.Net;
using System.Text.Json.Nodes;
using Capstan.Controllers.Canary;

namespace Capstan.Controllers.Tests.Canary;

public sealed class CanaryAnalysisTests
{
    private const string Metrics = """
        # HELP capstan_proxy_backend_connections_total TCP connections (or UDP flows) forwarded to the backend.
        # TYPE capstan_proxy_backend_connections_total counter
        capstan_proxy_backend_connections_total{service="default/web",port="http",protocol="TCP",endpoint="127.0.0.2:8080"} 90
        capstan_proxy_backend_connections_total{service="default/web",port="http",protocol="TCP",endpoint="127.0.0.9:8080"} 10
        capstan_proxy_backend_connections_total{service="default/other",port="http",protocol="TCP",endpoint="127.0.0.9:8080"} 500
        capstan_proxy_backend_connect_errors_total{service="default/web",port="http",protocol="TCP",endpoint="127.0.0.9:8080"} 2
        capstan_proxy_backend_connect_duration_seconds_bucket{service="default/web",port="http",protocol="TCP",endpoint="127.0.0.9:8080",le="0.001"} 9
        capstan_proxy_backend_connect_duration_seconds_bucket{service="default/web",port="http",protocol="TCP",endpoint="127.0.0.9:8080",le="0.01"} 10
        capstan_proxy_backend_connect_duration_seconds_bucket{service="default/web",port="http",protocol="TCP",endpoint="127.0.0.9:8080",le="+Inf"} 10
        """;

    private const string IngressMetrics = """
        capstan_ingress_requests_total{backend="default/web-canary:80"} 40
        capstan_ingress_errors_total{backend="default/web-canary:80"} 4
        capstan_ingress_requests_total{backend="default/web:80"} 400
        capstan_ingress_request_duration_seconds_bucket{backend="default/web-canary:80",le="0.005"} 40
        capstan_ingress_request_duration_seconds_bucket{backend="default/web-canary:80",le="+Inf"} 40
        """;

    private static CanarySettings Settings(int? maxLatencyMs = null) =>
        CanarySettings.From(JsonNode.Parse("""{"spec":{"targetRef":{"name":"web"},"service":"web","analysis":{"successRate":95,"maxRestarts":1,"failureLimit":2}}}""")!.AsObject()) with { MaxLatencyMs = maxLatencyMs };

    [Fact]
    public void Parse_ProxyAndIngressText_SumsOnlyTheCanarysSeries()
    {
        var sample = PrometheusCanaryMetrics.Parse([Metrics, IngressMetrics], "default", "web", "web-canary", new HashSet<IPAddress> { IPAddress.Parse("127.0.0.9") });
        Assert.Equal(10 + 2 + 40, sample.Requests);
        Assert.Equal(2 + 4, sample.Errors);
        Assert.Equal(9, sample.LatencyBuckets[0.001]);
        Assert.Equal(50, sample.LatencyBuckets[double.PositiveInfinity]);
    }

    [Fact]
    public void Since_LaterSample_Differences()
    {
        var before = new TrafficSample(100, 1, new Dictionary<double, long> { [0.01] = 90, [double.PositiveInfinity] = 100 });
        var after = new TrafficSample(300, 11, new Dictionary<double, long> { [0.01] = 280, [double.PositiveInfinity] = 300 });
        var delta = after.Since(before);
        Assert.Equal(200, delta.Requests);
        Assert.Equal(10, delta.Errors);
        Assert.Equal(95, delta.SuccessRate);
        Assert.Equal(190, delta.LatencyBuckets[0.01]);
    }

    [Fact]
    public void P99Seconds_Histogram_FirstBucketReachingTheRank()
    {
        var sample = new TrafficSample(1000, 0, new Dictionary<double, long> { [0.001] = 900, [0.01] = 989, [0.1] = 1000, [double.PositiveInfinity] = 1000 });
        Assert.Equal(0.1, sample.P99Seconds);
        Assert.Null(TrafficSample.Empty.P99Seconds);
    }

    [Fact]
    public void Failures_HealthyCanary_None() =>
        Assert.Empty(CanaryAnalysis.Failures(Settings(), new TrafficSample(100, 1, new Dictionary<double, long>()), restarts: 1, readyPods: 2, wantedPods: 2));

    [Fact]
    public void Failures_NoTraffic_PassesOnPodsAlone() =>
        Assert.Empty(CanaryAnalysis.Failures(Settings(50), TrafficSample.Empty, 0, 1, 1));

    [Fact]
    public void Failures_ErrorsRestartsUnreadyAndSlow_EachReported()
    {
        var traffic = new TrafficSample(100, 10, new Dictionary<double, long> { [0.05] = 50, [0.5] = 100, [double.PositiveInfinity] = 100 });
        var failures = CanaryAnalysis.Failures(Settings(100), traffic, restarts: 3, readyPods: 1, wantedPods: 2);
        Assert.Equal(4, failures.Count);
        Assert.Contains(failures, f => f.Contains("success rate 90%", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("restarted 3 times", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("1 of 2 canary pods are ready", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("500 ms is above 100 ms", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(10, 25, 3)]
    [InlineData(3, 10, 1)]
    [InlineData(4, 50, 2)]
    [InlineData(5, 100, 5)]
    [InlineData(0, 50, 1)]
    public void CanaryReplicas_Weight_ShareRoundedUpAtLeastOne(int replicas, int weight, int expected) =>
        Assert.Equal(expected, CanarySettings.CanaryReplicas(replicas, weight));

    [Fact]
    public void From_SpecWithoutOptionalFields_Defaults()
    {
        var settings = CanarySettings.From(JsonNode.Parse("""{"spec":{"targetRef":{"name":"web"},"service":"svc","interval":"2s"}}""")!.AsObject());
        Assert.Equal([10, 25, 50, 100], settings.Steps);
        Assert.Equal(TimeSpan.FromSeconds(2), settings.Interval);
        Assert.Equal(99, settings.SuccessRate);
        Assert.Equal(2, settings.FailureLimit);
        Assert.Null(settings.Ingress);
    }
}
