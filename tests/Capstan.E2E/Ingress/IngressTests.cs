using System.Net;
using Capstan.E2E.Infrastructure;

namespace Capstan.E2E.Ingress;

/// <summary>
/// `kubectl apply` of a Service, an EndpointSlice for a capstan-testserver pod and an Ingress; the answer comes from the
/// pod through the ingress port. (The slice is written by hand until the EndpointSlice controller lands.)
/// </summary>
[Trait("Category", "Slow")]
public sealed class IngressTests(IngressCluster cluster) : IClassFixture<IngressCluster>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Apply_IngressToTestServerPod_AnswersThroughTheIngressPort()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var pod = cluster.ManifestFile($$"""
            apiVersion: v1
            kind: Pod
            metadata:
              name: web
              labels: {app: web}
            spec:
              containers:
              - name: web
                image: capstan/testserver
                command: ["{{WorkloadCluster.TestServerBinary}}", "serve", "--port", "8080"]
                readinessProbe:
                  httpGet: {path: /readyz, port: 8080}
                  periodSeconds: 1
            """);
        (await cluster.Kubectl.RunAsync("apply", "-n", ns, "-f", pod)).EnsureSuccess();
        string podIp = "";
        await WorkloadCluster.WaitAsync(async () =>
        {
            var ready = await cluster.Kubectl.RunAsync("get", "pod", "web", "-n", ns, "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].status} {.status.podIP}");
            var parts = ready.Stdout.Trim().Split(' ');
            podIp = parts.Length == 2 ? parts[1] : "";
            return parts.Length == 2 && parts[0] == "True";
        }, Bound, "the pod to be Ready");

        var objects = cluster.ManifestFile($$"""
            apiVersion: v1
            kind: Service
            metadata:
              name: web
            spec:
              ports:
              - {name: http, port: 80, targetPort: 8080}
            ---
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata:
              name: web-1
              labels: {kubernetes.io/service-name: web}
            addressType: IPv4
            ports:
            - {name: http, port: 8080, protocol: TCP}
            endpoints:
            - addresses: ["{{podIp}}"]
              conditions: {ready: true}
            ---
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata:
              name: web
            spec:
              rules:
              - host: web.e2e.test
                http:
                  paths:
                  - path: /
                    pathType: Prefix
                    backend:
                      service:
                        name: web
                        port: {number: 80}
            """);
        (await cluster.Kubectl.RunAsync("apply", "-n", ns, "-f", objects)).EnsureSuccess();

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        string body = "";
        await WorkloadCluster.WaitAsync(async () =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{cluster.IngressHttpPort}/hostname");
            request.Headers.Host = "web.e2e.test";
            try
            {
                using var response = await http.SendAsync(request);
                body = await response.Content.ReadAsStringAsync();
                return response.StatusCode == HttpStatusCode.OK;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, Bound, "the pod's answer through the ingress");
        Assert.False(string.IsNullOrWhiteSpace(body));

        var address = (await cluster.Kubectl.RunAsync("get", "ingress", "web", "-n", ns, "-o", "jsonpath={.status.loadBalancer.ingress[0].ip}")).Stdout.Trim();
        Assert.False(string.IsNullOrEmpty(address));
    }
}
