using System.Net;
using System.Text.Json.Nodes;
using Capstan.E2E.Infrastructure;

namespace Capstan.E2E.Cri;

/// <summary>A fact that needs root and containerd (CI has both); elsewhere skipped with the reason shown.</summary>
public sealed class CriNetworkFactAttribute : FactAttribute
{
    public CriNetworkFactAttribute()
    {
        if (CriNetworkCluster.UnavailableReason() is { } reason)
        {
            Skip = reason;
        }
    }
}

/// <summary>
/// Issue 9's "a client pod reaches it through the Service's DNS name" on real containers: a Deployment of busybox
/// httpd pods behind a Service, and a client pod in its own network namespace that resolves the Service's name
/// through the kube-dns ClusterIP and connects to the ClusterIP, both carried by the node's service proxy.
/// </summary>
[Trait("Category", "Slow")]
public sealed class ServiceFromPodTests(CriNetworkCluster cluster) : IClassFixture<CriNetworkCluster>
{
    [CriNetworkFact]
    public async Task ClientPod_ServiceDnsName_ReachesDeploymentPods()
    {
        var ns = "svc-" + Guid.NewGuid().ToString("N")[..8];
        (await cluster.Kubectl.RunAsync("create", "namespace", ns)).EnsureSuccess();
        (await cluster.Kubectl.RunAsync("apply", "-n", ns, "-f", cluster.ManifestFile($$$"""
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web}
            spec:
              replicas: 2
              selector: {matchLabels: {app: web}}
              template:
                metadata: {labels: {app: web}}
                spec:
                  terminationGracePeriodSeconds: 1
                  containers:
                  - name: httpd
                    image: {{{CriNetworkCluster.BusyboxImage}}}
                    imagePullPolicy: Never
                    command: ["sh", "-c", "mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 8080 -h /www"]
                    ports: [{containerPort: 8080}]
                    readinessProbe: {tcpSocket: {port: 8080}, periodSeconds: 1}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: web}
            spec:
              selector: {app: web}
              ports: [{port: 80, targetPort: 8080}]
            """))).EnsureSuccess();
        (await cluster.Kubectl.RunAsync(["rollout", "status", "deployment/web", "-n", ns, "--timeout=120s"], null, TimeSpan.FromSeconds(130))).EnsureSuccess();

        var pods = JsonNode.Parse((await cluster.Kubectl.RunAsync("get", "pods", "-n", ns, "-l", "app=web", "-o", "json")).EnsureSuccess().Stdout)!["items"]!.AsArray();
        var podNames = pods.Select(p => (string)p!["metadata"]!["name"]!).ToList();
        Assert.Equal(2, podNames.Count);
        Assert.All(pods, p => Assert.True(IPNetwork.Parse(CriNetworkCluster.ClusterCidr).Contains(IPAddress.Parse((string)p!["status"]!["podIP"]!)), "pod IP from the cluster CIDR"));

        // busybox-static's wget crashes resolving names in a container (its static glibc has no NSS there), so the
        // client resolves with nslookup (busybox's own resolver, nameserver from the pod's resolv.conf) and speaks
        // HTTP with nc. It retries while the proxy picks up the endpoints, bounded at 30 tries.
        (await cluster.Kubectl.RunAsync("apply", "-n", ns, "-f", cluster.ManifestFile($$$"""
            apiVersion: v1
            kind: Pod
            metadata: {name: client}
            spec:
              restartPolicy: Never
              terminationGracePeriodSeconds: 1
              containers:
              - name: client
                image: {{{CriNetworkCluster.BusyboxImage}}}
                imagePullPolicy: Never
                command:
                - sh
                - -c
                - |
                  cat /etc/resolv.conf
                  for i in $(seq 1 30); do
                    ip=$(nslookup web.{{{ns}}}.svc.cluster.local | awk '/^Address/ {a=$NF} END {print a}')
                    echo "resolved: $ip"
                    if printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 3 "$ip" 80 > /tmp/out && grep -q '200 OK' /tmp/out; then
                      printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 3 "$ip" 80 >> /tmp/out
                      cat /tmp/out
                      exit 0
                    fi
                    sleep 1
                  done
                  exit 1
            """))).EnsureSuccess();
        await WorkloadCluster.WaitAsync(async () =>
        {
            var phase = (await cluster.Kubectl.RunAsync("get", "pod", "client", "-n", ns, "-o", "jsonpath={.status.phase}")).Stdout.Trim();
            return phase is "Succeeded" or "Failed";
        }, TimeSpan.FromSeconds(90), "the client pod to finish");

        var logs = (await cluster.Kubectl.RunAsync("logs", "client", "-n", ns)).EnsureSuccess().Stdout;
        var phase = (await cluster.Kubectl.RunAsync("get", "pod", "client", "-n", ns, "-o", "jsonpath={.status.phase}")).Stdout.Trim();
        Assert.True(phase == "Succeeded", $"client pod {phase}; its log:\n{logs}");
        var clusterIp = (await cluster.Kubectl.RunAsync("get", "service", "web", "-n", ns, "-o", "jsonpath={.spec.clusterIP}")).EnsureSuccess().Stdout.Trim();
        Assert.Contains("nameserver 10.90.128.10", logs, StringComparison.Ordinal);
        Assert.Contains("resolved: " + clusterIp, logs, StringComparison.Ordinal);
        Assert.Contains("HTTP/1.1 200 OK", logs, StringComparison.Ordinal);
        Assert.Contains(podNames, name => logs.Contains(name, StringComparison.Ordinal));
    }
}
