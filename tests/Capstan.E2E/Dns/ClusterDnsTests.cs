using System.Net;
using Capstan.E2E.Infrastructure;

namespace Capstan.E2E.Dns;

/// <summary>Cluster DNS through kubectl: the kube-dns Service, pods' resolv.conf, and Services resolving as they come and go.</summary>
public sealed class ClusterDnsTests(DnsCluster cluster) : IClassFixture<DnsCluster>
{
    [Fact]
    public async Task Pod_ClusterFirstAndNone_GetTheirResolvConf()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var manifest = cluster.ManifestFile("""
            apiVersion: v1
            kind: Pod
            metadata:
              name: client
            spec:
              terminationGracePeriodSeconds: 1
              containers:
              - name: c
                image: capstan/sleep
                command: ["sleep", "3600"]
            ---
            apiVersion: v1
            kind: Pod
            metadata:
              name: custom
            spec:
              terminationGracePeriodSeconds: 1
              dnsPolicy: None
              dnsConfig:
                nameservers: ["192.0.2.53"]
                searches: ["example.test"]
                options: [{name: ndots, value: "2"}]
              containers:
              - name: c
                image: capstan/sleep
                command: ["sleep", "3600"]
            """);
        (await cluster.Kubectl.RunAsync("apply", "-n", ns, "-f", manifest)).EnsureSuccess();
        (await cluster.Kubectl.RunAsync(["wait", "-n", ns, "--for=condition=Ready", "pod/client", "pod/custom", "--timeout=60s"], null, TimeSpan.FromSeconds(70))).EnsureSuccess();

        var clusterFirst = (await cluster.Kubectl.RunAsync("exec", "-n", ns, "client", "--", "cat", "/etc/resolv.conf")).EnsureSuccess().Stdout;
        Assert.Contains($"nameserver {cluster.ClusterDnsIp}\n", clusterFirst, StringComparison.Ordinal);
        Assert.Contains($"search {ns}.svc.cluster.local svc.cluster.local cluster.local", clusterFirst, StringComparison.Ordinal);
        Assert.Contains("options ndots:5", clusterFirst, StringComparison.Ordinal);

        var none = (await cluster.Kubectl.RunAsync("exec", "-n", ns, "custom", "--", "cat", "/etc/resolv.conf")).EnsureSuccess().Stdout;
        Assert.Equal("nameserver 192.0.2.53\nsearch example.test\noptions ndots:2\n", none);

        // The pods' files are their own: the host's resolv.conf is untouched.
        Assert.DoesNotContain(cluster.ClusterDnsIp, await File.ReadAllTextAsync("/etc/resolv.conf"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Service_CreatedAndDeletedWithKubectl_ResolvesThroughTheServersDnsPort()
    {
        var kubeDns = (await cluster.Kubectl.RunAsync("get", "service", "kube-dns", "-n", "kube-system", "-o", "jsonpath={.spec.clusterIP} {.spec.ports[*].name}")).EnsureSuccess();
        Assert.Equal($"{cluster.ClusterDnsIp} dns dns-tcp", kubeDns.Stdout.Trim());

        var ns = await cluster.CreateNamespaceAsync();
        (await cluster.Kubectl.RunAsync("create", "service", "clusterip", "web", "--tcp=80:8080", "-n", ns)).EnsureSuccess();
        var clusterIp = IPAddress.Parse((await cluster.Kubectl.RunAsync("get", "service", "web", "-n", ns, "-o", "jsonpath={.spec.clusterIP}")).EnsureSuccess().Stdout.Trim());
        var name = $"web.{ns}.svc.cluster.local";
        await WorkloadCluster.WaitAsync(async () => (await DnsProbe.QueryAsync(cluster.DnsPort, name)).Addresses.Contains(clusterIp), TimeSpan.FromSeconds(10), name + " to resolve");

        (await cluster.Kubectl.RunAsync("delete", "service", "web", "-n", ns)).EnsureSuccess();
        await WorkloadCluster.WaitAsync(async () => (await DnsProbe.QueryAsync(cluster.DnsPort, name)).Rcode == 3, TimeSpan.FromSeconds(10), name + " to be NXDOMAIN");
    }
}
