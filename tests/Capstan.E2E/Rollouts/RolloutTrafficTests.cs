using System.Text.Json.Nodes;
using Capstan.E2E.Infrastructure;
using Capstan.E2E.Workloads;

namespace Capstan.E2E.Rollouts;

/// <summary>
/// The rollouts issue's traffic checks with the real kubectl against `capstan server`: a client loop through a Service's
/// ClusterIP (a new connection per request, so the service proxy chooses a backend each time) sees no failed request
/// during a rolling update; a Canary moves through its steps with the split the client measures; a Canary whose new
/// version fails is aborted and every request goes back to the stable pods.
/// </summary>
[Trait("Category", "Slow")]
public sealed class RolloutTrafficTests(WorkloadCluster cluster) : IClassFixture<WorkloadCluster>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(120);
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };
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

    private static string Canary(string name, string steps, string interval, int failureLimit = 2) => $$"""
        apiVersion: rollouts.capstan.io/v1alpha1
        kind: Canary
        metadata:
          name: {{name}}
        spec:
          targetRef: {name: {{name}}}
          service: {{name}}
          steps: {{steps}}
          interval: {{interval}}
          analysis:
            successRate: 95
            maxRestarts: 0
            failureLimit: {{failureLimit}}
        """;

    [Fact]
    public async Task RollingUpdate_FiveReplicasMaxUnavailableZero_ClientLoopLosesNoRequest()
    {
        var ns = await DeployAsync("roll", 5);
        await RunAsync("patch", "-n", ns, "deployment/roll", "--type=merge", "-p", """{"spec":{"strategy":{"rollingUpdate":{"maxUnavailable":0,"maxSurge":1}}}}""");
        await RunWithBoundAsync("rollout", "status", "-n", ns, "deployment/roll", "--timeout=120s");
        var url = await ServiceUrlAsync(ns, "roll");

        using var stop = new CancellationTokenSource();
        var loop = ClientLoopAsync(url, maxRequests: 50_000, stop.Token);
        await Task.Delay(500);
        await RunAsync("set", "env", "-n", ns, "deployment/roll", "VERSION=2");
        await RunWithBoundAsync("rollout", "status", "-n", ns, "deployment/roll", "--timeout=120s");
        await Task.Delay(1000);
        stop.Cancel();
        var (ok, failed, _) = await loop;

        Assert.True(ok > 0, "the client loop made no request");
        Assert.Equal(0, failed);
    }

    [Fact]
    public async Task Canary_ThroughSteps_ClientMeasuresTheSplitThenPromoted()
    {
        var ns = await DeployAsync("shop", 4);
        (await RunAsync("apply", "-n", ns, "-f", cluster.ManifestFile(Canary("shop", "[25, 50]", "15s")))).EnsureSuccess();
        await WaitForPhaseAsync(ns, "shop", "Waiting");
        var url = await ServiceUrlAsync(ns, "shop");

        await RunAsync("set", "env", "-n", ns, "deployment/shop", "VERSION=2");
        await WaitForPhaseAsync(ns, "shop", "Progressing");
        foreach (var weight in new[] { 25, 50 })
        {
            await WorkloadCluster.WaitAsync(async () => await CanaryWeightAsync(ns, "shop") == weight && await ReadyCanaryPodsAsync(ns, "shop") > 0, Bound, $"the canary at {weight}% with a ready pod");
            var canaryIps = await CanaryPodIpsAsync(ns, "shop");

            // 200 new connections while the step holds: smooth weighted round robin makes the share exact per hundred,
            // and the tolerance absorbs a pod or weight change landing mid-measurement.
            var (_, failed, byIp) = await ClientLoopAsync(url, maxRequests: 200, CancellationToken.None);
            var toCanary = byIp.Where(p => canaryIps.Contains(p.Key)).Sum(p => p.Value);
            var total = byIp.Values.Sum();
            Assert.Equal(0, failed);
            Assert.InRange(100.0 * toCanary / total, weight - 8, weight + 8);
        }

        await WaitForPhaseAsync(ns, "shop", "Succeeded");
        Assert.Equal("2", (await RunAsync("get", "deployment", "shop", "-n", ns, "-o", "jsonpath={.spec.template.spec.containers[0].env[?(@.name==\"VERSION\")].value}")).Stdout.Trim());
        await WorkloadCluster.WaitAsync(async () => (await RunAsync("get", "deployment", "-n", ns, "-o", "name")).Stdout.Trim() == "deployment.apps/shop", Bound, "the canary Deployment removed");
        var table = (await RunAsync("get", "canaries", "-n", ns)).Stdout;
        Assert.Contains("Succeeded", table, StringComparison.Ordinal);
        Assert.Contains("Succeeded", (await RunAsync("describe", "canary", "shop", "-n", ns)).EnsureSuccess().Stdout, StringComparison.Ordinal);
        var explain = (await RunAsync("explain", "canary.spec")).EnsureSuccess().Stdout;
        Assert.Contains("targetRef", explain, StringComparison.Ordinal);
        Assert.Contains("strictly increasing", explain, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Canary_FailingVersion_AbortedAndAllTrafficBackOnStable()
    {
        var ns = await DeployAsync("pay", 3);
        (await RunAsync("apply", "-n", ns, "-f", cluster.ManifestFile(Canary("pay", "[20, 50, 100]", "4s")))).EnsureSuccess();
        await WaitForPhaseAsync(ns, "pay", "Waiting");
        var url = await ServiceUrlAsync(ns, "pay");
        var stableIps = (await cluster.PodsAsync(ns, "app=pay")).Select(p => p!["status"]!["podIP"]!.GetValue<string>()).ToHashSet(StringComparer.Ordinal);

        // The new version exits at once with an unknown flag: it crash-loops and never becomes ready.
        await RunAsync("patch", "-n", ns, "deployment/pay", "--type=json", "-p",
            $$"""[{"op":"replace","path":"/spec/template/spec/containers/0/command","value":["{{WorkloadCluster.TestServerBinary}}","serve","--port","8080","--no-such-flag"]}]""");
        await WaitForPhaseAsync(ns, "pay", "Failed");

        var canary = JsonNode.Parse((await RunAsync("get", "canary", "pay", "-n", ns, "-o", "json")).Stdout)!;
        var promoted = canary["status"]!["conditions"]!.AsArray().Single(c => c!["type"]!.GetValue<string>() == "Promoted")!;
        Assert.Equal("False", promoted["status"]!.GetValue<string>());
        Assert.Equal("CanaryFailed", promoted["reason"]!.GetValue<string>());
        Assert.Equal(0, canary["status"]!["canaryWeight"]!.GetValue<int>());
        var command = (await RunAsync("get", "deployment", "pay", "-n", ns, "-o", "jsonpath={.spec.template.spec.containers[0].command}")).Stdout;
        Assert.DoesNotContain("--no-such-flag", command, StringComparison.Ordinal);
        var events = (await RunAsync("get", "events", "-n", ns, "--field-selector", "involvedObject.kind=Canary,reason=RolledBack")).Stdout;
        Assert.Contains("RolledBack", events, StringComparison.Ordinal);

        var (_, failed, byIp) = await ClientLoopAsync(url, maxRequests: 100, CancellationToken.None);
        Assert.Equal(0, failed);
        Assert.All(byIp.Keys, ip => Assert.Contains(ip, stableIps));
    }

    [Fact]
    public async Task Canary_AbortCommand_RollsBackAHealthyRelease()
    {
        var ns = await DeployAsync("cart", 2);
        (await RunAsync("apply", "-n", ns, "-f", cluster.ManifestFile(Canary("cart", "[50]", "10m")))).EnsureSuccess();
        await WaitForPhaseAsync(ns, "cart", "Waiting");
        await RunAsync("set", "env", "-n", ns, "deployment/cart", "VERSION=2");
        await WorkloadCluster.WaitAsync(async () => await ReadyCanaryPodsAsync(ns, "cart") > 0, Bound, "a ready canary pod");

        var output = await CapstanProcess.RunAsync("canary", "abort", "cart", "-n", ns, "--kubeconfig", _kubectl.KubeconfigPath);
        Assert.Contains("abort requested", output, StringComparison.Ordinal);
        await WaitForPhaseAsync(ns, "cart", "Aborted");
        Assert.Equal("", (await RunAsync("get", "deployment", "cart", "-n", ns, "-o", "jsonpath={.spec.template.spec.containers[0].env[?(@.name==\"VERSION\")].value}")).Stdout.Trim());
        Assert.Equal("", (await RunAsync("get", "canary", "cart", "-n", ns, "-o", "jsonpath={.metadata.annotations.capstan\\.io/canary-abort}")).Stdout.Trim());
    }

    [Fact]
    public async Task Canary_PromoteCommand_SkipsTheRemainingSteps()
    {
        var ns = await DeployAsync("cat", 2);
        (await RunAsync("apply", "-n", ns, "-f", cluster.ManifestFile(Canary("cat", "[10, 50]", "10m")))).EnsureSuccess();
        await WaitForPhaseAsync(ns, "cat", "Waiting");
        await RunAsync("set", "env", "-n", ns, "deployment/cat", "VERSION=2");
        await WaitForPhaseAsync(ns, "cat", "Progressing");

        var output = await CapstanProcess.RunAsync("canary", "promote", "cat", "-n", ns, "--kubeconfig", _kubectl.KubeconfigPath);
        Assert.Contains("promotion requested", output, StringComparison.Ordinal);
        await WaitForPhaseAsync(ns, "cat", "Succeeded");
        Assert.Equal("2", (await RunAsync("get", "deployment", "cat", "-n", ns, "-o", "jsonpath={.spec.template.spec.containers[0].env[?(@.name==\"VERSION\")].value}")).Stdout.Trim());
        Assert.Equal("2", (await RunAsync("get", "deployment", "cat", "-n", ns, "-o", "jsonpath={.status.updatedReplicas}")).Stdout.Trim());
    }

    [Fact]
    public async Task Canary_HttpErrorsThroughIngress_FailedOnSuccessRate()
    {
        // Readiness only: the canary's /healthz is made to answer 500, which a liveness probe would restart.
        const string ReadinessOnly = "        readinessProbe:\n          httpGet: {path: /readyz, port: 8080}\n          periodSeconds: 1\n          failureThreshold: 1\n";
        var ns = await DeployAsync("api", 2, ReadinessOnly);
        (await RunAsync("apply", "-n", ns, "-f", cluster.ManifestFile("""
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata:
              name: api
            spec:
              rules:
              - host: api.e2e.test
                http:
                  paths:
                  - path: /
                    pathType: Prefix
                    backend:
                      service:
                        name: api
                        port: {number: 80}
            """))).EnsureSuccess();
        (await RunAsync("apply", "-n", ns, "-f", cluster.ManifestFile(Canary("api", "[50]", "8s", failureLimit: 1).Replace("  service: api\n", "  service: api\n  ingress: api\n", StringComparison.Ordinal)))).EnsureSuccess();
        await WaitForPhaseAsync(ns, "api", "Waiting");
        await RunAsync("set", "env", "-n", ns, "deployment/api", "VERSION=2");
        await WorkloadCluster.WaitAsync(async () => await ReadyCanaryPodsAsync(ns, "api") > 0, Bound, "a ready canary pod");
        foreach (var ip in await CanaryPodIpsAsync(ns, "api"))
        {
            using (await Http.PostAsync($"http://{ip}:8080/healthz/fail", null))
            {
            }
        }

        // Requests through the ingress until the canary fails (bounded): half go to the canary, which answers 500.
        var sawError = false;
        for (var i = 0; i < 3000; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{cluster.IngressHttpPort}/healthz");
            request.Headers.Host = "api.e2e.test";
            try
            {
                using var response = await Http.SendAsync(request);
                sawError |= (int)response.StatusCode == 500;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
            }

            if (i % 50 == 49 && (await RunAsync("get", "canary", "api", "-n", ns, "-o", "jsonpath={.status.phase}")).Stdout.Trim() == "Failed")
            {
                break;
            }

            await Task.Delay(10);
        }

        Assert.True(sawError, "no request reached the failing canary through the ingress");
        await WaitForPhaseAsync(ns, "api", "Failed");
        var message = (await RunAsync("get", "canary", "api", "-n", ns, "-o", "jsonpath={.status.message}")).Stdout;
        Assert.Contains("success rate", message, StringComparison.Ordinal);

        // Every request is the stable version's again.
        await WorkloadCluster.WaitAsync(async () => (await RunAsync("get", "pods", "-n", ns, "-l", "rollouts.capstan.io/canary=api", "-o", "name")).Stdout.Trim().Length == 0, Bound, "the canary pods gone");
        for (var i = 0; i < 50; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{cluster.IngressHttpPort}/healthz");
            request.Headers.Host = "api.e2e.test";
            using var response = await Http.SendAsync(request);
            Assert.Equal(200, (int)response.StatusCode);
        }
    }

    private async Task<string> DeployAsync(string name, int replicas, string probes = WorkloadManifests.DefaultProbes)
    {
        var ns = await cluster.CreateNamespaceAsync();
        (await RunAsync("apply", "-n", ns, "-f", cluster.ManifestFile(Service(name)))).EnsureSuccess();
        (await RunAsync("apply", "-n", ns, "-f", cluster.ManifestFile(WorkloadManifests.Deployment(name, replicas, extraArgs: ", \"--term-delay\", \"2\"", probes: probes)))).EnsureSuccess();
        await RunWithBoundAsync("rollout", "status", "-n", ns, $"deployment/{name}", "--timeout=120s");
        return ns;
    }

    private async Task<string> ServiceUrlAsync(string ns, string name)
    {
        var ip = (await RunAsync("get", "service", name, "-n", ns, "-o", "jsonpath={.spec.clusterIP}")).Stdout.Trim();
        var url = $"http://{ip}:80/ip";
        await WorkloadCluster.WaitAsync(async () =>
        {
            try
            {
                using var response = await Http.GetAsync(url);
                return response.IsSuccessStatusCode;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                return false;
            }
        }, Bound, "the Service to answer through its ClusterIP");
        return url;
    }

    /// <summary>GETs /ip through the ClusterIP on a new connection each time, until cancelled or <paramref name="maxRequests"/>.</summary>
    private static async Task<(int Ok, int Failed, Dictionary<string, int> ByIp)> ClientLoopAsync(string url, int maxRequests, CancellationToken stop)
    {
        int ok = 0, failed = 0;
        var byIp = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < maxRequests && !stop.IsCancellationRequested; i++)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, url);
                request.Headers.ConnectionClose = true;
                using var response = await Http.SendAsync(request, CancellationToken.None);
                if (response.IsSuccessStatusCode)
                {
                    ok++;
                    var ip = (await response.Content.ReadAsStringAsync()).Trim();
                    byIp[ip] = byIp.GetValueOrDefault(ip) + 1;
                }
                else
                {
                    failed++;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                failed++;
            }
        }

        return (ok, failed, byIp);
    }

    private async Task WaitForPhaseAsync(string ns, string name, string phase) =>
        await WorkloadCluster.WaitAsync(async () => (await RunAsync("get", "canary", name, "-n", ns, "-o", "jsonpath={.status.phase}")).Stdout.Trim() == phase, Bound, $"canary {name} phase {phase}");

    private async Task<int> CanaryWeightAsync(string ns, string name) =>
        int.TryParse((await RunAsync("get", "canary", name, "-n", ns, "-o", "jsonpath={.status.canaryWeight}")).Stdout.Trim(), out var w) ? w : -1;

    private async Task<int> ReadyCanaryPodsAsync(string ns, string name) =>
        int.TryParse((await RunAsync("get", "deployment", name + "-canary", "-n", ns, "-o", "jsonpath={.status.readyReplicas}")).Stdout.Trim(), out var n) ? n : 0;

    private async Task<HashSet<string>> CanaryPodIpsAsync(string ns, string name) =>
        (await cluster.PodsAsync(ns, $"rollouts.capstan.io/canary={name}")).Select(p => p!["status"]?["podIP"]?.GetValue<string>() ?? "").ToHashSet(StringComparer.Ordinal);

    private Task<KubectlResult> RunAsync(params string[] args) => _kubectl.RunAsync(args);

    private async Task RunWithBoundAsync(params string[] args) => (await _kubectl.RunAsync(args, null, Bound)).EnsureSuccess();
}
