using System.Globalization;
using System.Net;
using Capstan.Agent;
using k8s;

namespace Capstan.ApiServer.Tests.Integration;

public sealed class MetricsTests(ServerFixture fixture) : IClassFixture<ServerFixture>, IDisposable
{
    private readonly string _agentDir = Path.Combine(Path.GetTempPath(), "capstan-agent-" + Guid.NewGuid().ToString("N")[..12]);

    public void Dispose()
    {
        if (Directory.Exists(_agentDir))
        {
            Directory.Delete(_agentDir, recursive: true);
        }
    }

    [Fact]
    public async Task Metrics_Admin_PrometheusTextWithProcessAndGcCounters()
    {
        var first = Parse(await GetAsync(fixture.Client, HttpStatusCode.OK));
        await fixture.Client.CoreV1.ListNamespaceAsync();
        var second = Parse(await GetAsync(fixture.Client, HttpStatusCode.OK));

        Assert.True(first["process_cpu_seconds_total"] > 0);
        Assert.True(first["process_resident_memory_bytes"] > 1 << 20);
        Assert.True(first["process_start_time_seconds"] > 1.7e9);
        Assert.True(first["dotnet_gc_heap_size_bytes"] > 0);
        Assert.True(first.ContainsKey("dotnet_gc_collections_total{generation=\"gen2\"}"));
        Assert.True(first.ContainsKey("dotnet_gc_pause_seconds_total"));

        // Counters only grow: the list between the scrapes allocated.
        Assert.True(second["dotnet_gc_allocated_bytes_total"] > first["dotnet_gc_allocated_bytes_total"]);
        Assert.True(second["process_cpu_seconds_total"] >= first["process_cpu_seconds_total"]);
    }

    [Fact]
    public async Task Metrics_NodeIdentity_Forbidden()
    {
        // As in Kubernetes, /metrics is for system:monitoring (and admins), not for every authenticated user.
        var path = await AgentJoin.EnsureKubeconfigAsync(fixture.Server.Address, fixture.Server.Pki.JoinToken, "worker-m", _agentDir, CancellationToken.None);
        using var node = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(path));

        var body = await GetAsync(node, HttpStatusCode.Forbidden);

        Assert.Contains("\"reason\":\"Forbidden\"", body, StringComparison.Ordinal);
        Assert.Contains("/metrics", body, StringComparison.Ordinal);
    }

    private static async Task<string> GetAsync(Kubernetes client, HttpStatusCode expected)
    {
        using var response = await client.HttpClient.GetAsync(new Uri(client.BaseUri, "metrics"));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"{response.StatusCode}: {body}");
        if (expected == HttpStatusCode.OK)
        {
            Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        }

        return body;
    }

    private static Dictionary<string, double> Parse(string text)
    {
        var samples = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith('#'))
            {
                Assert.Matches(@"^# (HELP|TYPE) [a-z_]+ \S", line);
                continue;
            }

            var space = line.LastIndexOf(' ');
            samples.Add(line[..space], double.Parse(line[(space + 1)..], CultureInfo.InvariantCulture));
        }

        return samples;
    }
}
