using System.Text.Json.Nodes;
using Capstan.E2E.Infrastructure;
using Capstan.E2E.Workloads;

namespace Capstan.E2E.Services;

/// <summary>
/// The Services issue's endpoint checks with the real kubectl against `capstan server` and its embedded agent: a
/// Service's Endpoints and EndpointSlices follow the readiness of its Deployment's pods, and pods get the service
/// environment variables.
/// </summary>
[Trait("Category", "Slow")]
public sealed class ServiceEndpointsTests(WorkloadCluster cluster) : IClassFixture<WorkloadCluster>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly Kubectl _kubectl = cluster.Kubectl;

    private static string Service(string name) => $$"""
        apiVersion: v1
        kind: Service
        metadata:
          name: {{name}}
        spec:
          selector: {app: {{name}}}
          ports:
          - name: http
            port: 80
            targetPort: 8080
        """;

    [Fact]
    public async Task Deployment_BehindService_EndpointsAndSlicesFollowReadiness()
    {
        var ns = await cluster.CreateNamespaceAsync();
        (await _kubectl.RunAsync("apply", "-n", ns, "-f", cluster.ManifestFile(Service("web")))).EnsureSuccess();
        (await _kubectl.RunAsync("apply", "-n", ns, "-f", cluster.ManifestFile(WorkloadManifests.Deployment("web", 3)))).EnsureSuccess();
        (await _kubectl.RunAsync(["rollout", "status", "-n", ns, "deployment/web", "--timeout=60s"], null, Bound)).EnsureSuccess();
        var ips = (await cluster.PodsAsync(ns, "app=web")).Select(p => Str(p!["status"]!["podIP"])).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(3, ips.Count);

        await WorkloadCluster.WaitAsync(async () => (await ReadyAddressesAsync(ns)).SequenceEqual(ips), Bound, "3 ready addresses in the Endpoints");
        await WorkloadCluster.WaitAsync(async () => (await SliceEndpointsAsync(ns)).Count(e => Ready(e)) == 3, Bound, "3 ready endpoints in the slices");
        var table = (await _kubectl.RunAsync("get", "endpoints", "web", "-n", ns)).EnsureSuccess().Stdout;
        Assert.Contains(":8080", table, StringComparison.Ordinal);
        var slices = (await _kubectl.RunAsync("get", "endpointslices", "-n", ns, "-l", "kubernetes.io/service-name=web")).EnsureSuccess().Stdout;
        Assert.Contains("IPv4", slices, StringComparison.Ordinal);
        Assert.Contains("8080", slices, StringComparison.Ordinal);

        // One pod fails its readiness probe: it moves to notReadyAddresses and its slice endpoint stops being ready and serving.
        var failing = ips[1];
        using (await Http.PostAsync($"http://{failing}:8080/readyz/fail", null))
        {
        }

        await WorkloadCluster.WaitAsync(async () => (await NotReadyAddressesAsync(ns)).SequenceEqual([failing]), Bound, "the failing pod in notReadyAddresses");
        Assert.Equal(ips.Where(ip => ip != failing), await ReadyAddressesAsync(ns));
        await WorkloadCluster.WaitAsync(async () =>
        {
            var endpoint = (await SliceEndpointsAsync(ns)).SingleOrDefault(e => Str(e["addresses"]![0]) == failing);
            return endpoint is not null && !Ready(endpoint) && endpoint["conditions"]!["serving"]!.GetValue<bool>() == false;
        }, Bound, "the failing pod's slice endpoint not ready");

        using (await Http.PostAsync($"http://{failing}:8080/readyz/ok", null))
        {
        }

        await WorkloadCluster.WaitAsync(async () => (await ReadyAddressesAsync(ns)).SequenceEqual(ips), Bound, "the pod ready again in the Endpoints");
    }

    [Fact]
    public async Task PodCreatedAfterService_ExecEnv_ShowsServiceVariables()
    {
        var ns = await cluster.CreateNamespaceAsync();
        (await _kubectl.RunAsync("apply", "-n", ns, "-f", cluster.ManifestFile(Service("backend-api")))).EnsureSuccess();
        var clusterIp = (await _kubectl.RunAsync("get", "service", "backend-api", "-n", ns, "-o", "jsonpath={.spec.clusterIP}")).EnsureSuccess().Stdout.Trim();
        var masterIp = (await _kubectl.RunAsync("get", "service", "kubernetes", "-n", "default", "-o", "jsonpath={.spec.clusterIP}")).EnsureSuccess().Stdout.Trim();
        (await _kubectl.RunAsync("apply", "-n", ns, "-f", cluster.ManifestFile(WorkloadManifests.Deployment("client", 1)))).EnsureSuccess();
        (await _kubectl.RunAsync(["rollout", "status", "-n", ns, "deployment/client", "--timeout=60s"], null, Bound)).EnsureSuccess();
        var pod = Str((await cluster.PodsAsync(ns, "app=client"))[0]!["metadata"]!["name"]);

        var env = (await _kubectl.RunAsync("exec", "-n", ns, pod, "--", "env")).EnsureSuccess().Stdout
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => l.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);

        Assert.Equal(clusterIp, env["BACKEND_API_SERVICE_HOST"]);
        Assert.Equal("80", env["BACKEND_API_SERVICE_PORT"]);
        Assert.Equal("80", env["BACKEND_API_SERVICE_PORT_HTTP"]);
        Assert.Equal($"tcp://{clusterIp}:80", env["BACKEND_API_PORT"]);
        Assert.Equal($"tcp://{clusterIp}:80", env["BACKEND_API_PORT_80_TCP"]);
        Assert.Equal("tcp", env["BACKEND_API_PORT_80_TCP_PROTO"]);
        Assert.Equal(clusterIp, env["BACKEND_API_PORT_80_TCP_ADDR"]);
        Assert.Equal(masterIp, env["KUBERNETES_SERVICE_HOST"]);
        Assert.Equal("443", env["KUBERNETES_SERVICE_PORT_HTTPS"]);
    }

    [Fact]
    public async Task LoadBalancerService_GetsTheNodeAddressAsExternalIp()
    {
        var ns = await cluster.CreateNamespaceAsync();
        (await _kubectl.RunAsync("apply", "-n", ns, "-f", cluster.ManifestFile("""
            apiVersion: v1
            kind: Service
            metadata:
              name: lb
            spec:
              type: LoadBalancer
              selector: {app: lb}
              ports:
              - port: 18080
                targetPort: 8080
            """))).EnsureSuccess();
        var nodeIp = (await _kubectl.RunAsync("get", "node", cluster.NodeName, "-o", "jsonpath={.status.addresses[?(@.type==\"InternalIP\")].address}")).EnsureSuccess().Stdout.Trim();
        Assert.NotEqual("", nodeIp);

        await WorkloadCluster.WaitAsync(async () =>
            (await _kubectl.RunAsync("get", "service", "lb", "-n", ns, "-o", "jsonpath={.status.loadBalancer.ingress[*].ip}")).Stdout.Trim() == nodeIp,
            Bound, "the node address in status.loadBalancer.ingress");
        var table = (await _kubectl.RunAsync("get", "service", "lb", "-n", ns)).EnsureSuccess().Stdout;
        Assert.Contains(nodeIp, table, StringComparison.Ordinal);
    }

    private async Task<List<string>> ReadyAddressesAsync(string ns) => await AddressesAsync(ns, "addresses");

    private async Task<List<string>> NotReadyAddressesAsync(string ns) => await AddressesAsync(ns, "notReadyAddresses");

    private async Task<List<string>> AddressesAsync(string ns, string field)
    {
        var result = await _kubectl.RunAsync("get", "endpoints", "web", "-n", ns, "-o", "json");
        if (result.ExitCode != 0)
        {
            return [];
        }

        return [.. (JsonNode.Parse(result.Stdout)!["subsets"] as JsonArray ?? [])
            .SelectMany(s => s![field] as JsonArray ?? [])
            .Select(a => Str(a!["ip"]))
            .Order(StringComparer.Ordinal)];
    }

    private async Task<List<JsonObject>> SliceEndpointsAsync(string ns)
    {
        var result = (await _kubectl.RunAsync("get", "endpointslices", "-n", ns, "-l", "kubernetes.io/service-name=web", "-o", "json")).EnsureSuccess();
        return [.. JsonNode.Parse(result.Stdout)!["items"]!.AsArray().SelectMany(s => s!["endpoints"] as JsonArray ?? []).OfType<JsonObject>()];
    }

    private static bool Ready(JsonObject endpoint) => endpoint["conditions"]?["ready"]?.GetValue<bool>() == true;

    private static string Str(JsonNode? node) => node?.GetValue<string>() ?? "";
}
