using Capstan.E2E.Infrastructure;

namespace Capstan.E2E.Proxy;

/// <summary>
/// The service proxy of `capstan server`'s embedded agent, driven through kubectl: three test-server pods behind a
/// Service whose EndpointSlice the test writes by hand (the Service has no selector, so no controller competes for it),
/// reached by ClusterIP and by NodePort on the node address with a plain HTTP client.
/// </summary>
[Trait("Category", "Slow")]
public sealed class ServiceProxyE2ETests(WorkloadCluster cluster) : IClassFixture<WorkloadCluster>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task ClusterIpAndNodePort_SpreadRequestsOverThePods()
    {
        var ns = await cluster.CreateNamespaceAsync();
        await RunAsync("apply", "-n", ns, "-f", cluster.ManifestFile(Deployment("web", 3)));
        (await cluster.Kubectl.RunAsync(["rollout", "status", "-n", ns, "deployment/web", "--timeout=120s"], null, Bound)).EnsureSuccess();
        var pods = (await cluster.PodsAsync(ns, "app=web"))
            .Select(p => (Name: p!["metadata"]!["name"]!.GetValue<string>(), Ip: p["status"]!["podIP"]!.GetValue<string>()))
            .ToList();
        Assert.Equal(3, pods.Count);

        // A requested ClusterIP from the cluster's own service CIDR, away from the allocator's low addresses.
        var clusterIp = $"127.{100 + cluster.PodCidrSecondOctet}.{Random.Shared.Next(100, 250)}.{Random.Shared.Next(1, 255)}";
        await RunAsync("apply", "-n", ns, "-f", cluster.ManifestFile(ServiceAndSlice("web", clusterIp, pods)));
        var nodePort = int.Parse((await RunAsync("get", "service", "web", "-n", ns, "-o", "jsonpath={.spec.ports[0].nodePort}")).Stdout.Trim(), System.Globalization.CultureInfo.InvariantCulture);

        using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero }) { Timeout = TimeSpan.FromSeconds(5) };
        foreach (var url in new[] { $"http://{clusterIp}/hostname", $"http://127.0.0.1:{nodePort}/hostname" })
        {
            var seen = new HashSet<string>();
            await WorkloadCluster.WaitAsync(async () =>
            {
                try
                {
                    // A fresh connection per request: the proxy balances connections, not requests.
                    using var request = new HttpRequestMessage(HttpMethod.Get, url) { Headers = { ConnectionClose = true } };
                    using var response = await http.SendAsync(request);
                    seen.Add((await response.Content.ReadAsStringAsync()).Trim());
                }
                catch (HttpRequestException)
                {
                }
                catch (TaskCanceledException)
                {
                }

                return seen.Count == 3;
            }, Bound, $"answers from all three pods at {url} (so far: {string.Join(", ", seen)})");
            Assert.Equal(pods.Select(p => p.Name).Order(), seen.Order());
        }
    }

    private static string Deployment(string name, int replicas) => $$"""
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: {{name}}
        spec:
          replicas: {{replicas}}
          selector:
            matchLabels: {app: {{name}}}
          template:
            metadata:
              labels: {app: {{name}}}
            spec:
              terminationGracePeriodSeconds: 5
              containers:
              - name: web
                image: capstan/testserver
                command: ["{{WorkloadCluster.TestServerBinary}}", "serve", "--port", "8080"]
                env:
                - name: POD_IP
                  valueFrom:
                    fieldRef: {fieldPath: status.podIP}
        """;

    private static string ServiceAndSlice(string name, string clusterIp, List<(string Name, string Ip)> pods)
    {
        var endpoints = string.Concat(pods.Select(p => $$"""

              - addresses: ["{{p.Ip}}"]
                conditions: {ready: true}
                targetRef: {kind: Pod, name: {{p.Name}}}
            """));
        return $$"""
            apiVersion: v1
            kind: Service
            metadata:
              name: {{name}}
            spec:
              type: NodePort
              clusterIP: {{clusterIp}}
              ports:
              - {name: http, port: 80, targetPort: 8080}
            ---
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata:
              name: {{name}}-manual
              labels: {kubernetes.io/service-name: {{name}}}
            addressType: IPv4
            ports:
            - {name: http, port: 8080, protocol: TCP}
            endpoints:{{endpoints}}
            """;
    }

    private async Task<KubectlResult> RunAsync(params string[] args) => (await cluster.Kubectl.RunAsync(args)).EnsureSuccess();
}
