using System.Text.RegularExpressions;
using Capstan.E2E.Infrastructure;

namespace Capstan.E2E.Quota;

/// <summary>Resource management through kubectl: ResourceQuota admission and usage, LimitRange defaults, PriorityClasses and QoS.</summary>
[Trait("Category", "Slow")]
public sealed partial class QuotaTests(CapstanServerFixture server) : ServerTest(server), IClassFixture<CapstanServerFixture>
{
    private static string Pod(string name, string cpu, string memory, string extraSpec = "") => $"""
        apiVersion: v1
        kind: Pod
        metadata:
          name: {name}
        spec:
        {extraSpec}
          containers:
          - name: c
            image: registry.k8s.io/pause:3.10
            imagePullPolicy: IfNotPresent
            resources:
              requests: {(cpu.Length == 0 ? "{}" : $"{{cpu: {cpu}, memory: {memory}}}")}
              limits: {(cpu.Length == 0 ? "{}" : $"{{cpu: {cpu}, memory: {memory}}}")}
        """;

    private async Task<string> NamespaceWithAsync(string manifest)
    {
        var ns = await Server.CreateNamespaceAsync("quota");
        (await Kubectl.RunAsync("apply", "-n", ns, "-f", Server.ManifestFile(manifest))).EnsureSuccess();
        return ns;
    }

    private const string ComputeQuota = """
        apiVersion: v1
        kind: ResourceQuota
        metadata:
          name: compute
        spec:
          hard:
            requests.cpu: "1"
            limits.memory: 1Gi
            pods: "5"
        """;

    [Fact]
    public async Task Quota_PodOverBudget_RejectedWithKubernetesMessage()
    {
        var ns = await NamespaceWithAsync(ComputeQuota);
        (await Kubectl.RunAsync("apply", "-n", ns, "-f", Server.ManifestFile(Pod("first", "600m", "256Mi")))).EnsureSuccess();

        var result = await Kubectl.RunAsync("apply", "-n", ns, "-f", Server.ManifestFile(Pod("second", "500m", "256Mi")));

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(
            "Error from server (Forbidden): error when creating \"" , result.Stderr, StringComparison.Ordinal);
        Assert.Contains(
            "pods \"second\" is forbidden: exceeded quota: compute, requested: requests.cpu=500m, used: requests.cpu=600m, limited: requests.cpu=1",
            result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Quota_PodWithoutRequests_MustSpecify()
    {
        var ns = await NamespaceWithAsync(ComputeQuota);

        var result = await Kubectl.RunAsync("apply", "-n", ns, "-f", Server.ManifestFile(Pod("bare", "", "")));

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("failed quota: compute: must specify limits.memory for: c; requests.cpu for: c", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DescribeQuota_ShowsUsedAgainstHard()
    {
        var ns = await NamespaceWithAsync(ComputeQuota);
        (await Kubectl.RunAsync("apply", "-n", ns, "-f", Server.ManifestFile(Pod("a", "250m", "128Mi")))).EnsureSuccess();
        (await Kubectl.RunAsync("apply", "-n", ns, "-f", Server.ManifestFile(Pod("b", "250m", "128Mi")))).EnsureSuccess();

        // Usage is charged at admission and recounted by the controller, which may briefly lag a create it has not seen yet.
        List<string> rows;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        do
        {
            var result = (await Kubectl.RunAsync("describe", "quota", "compute", "-n", ns)).EnsureSuccess();
            rows = [.. result.Lines.Select(l => Spaces().Replace(l.Trim(), " "))];
            if (rows.Contains("pods 2 5"))
            {
                break;
            }

            await Task.Delay(300);
        }
        while (DateTime.UtcNow < deadline);

        Assert.Contains("Resource Used Hard", rows);
        Assert.Contains("limits.memory 256Mi 1Gi", rows);
        Assert.Contains("pods 2 5", rows);
        Assert.Contains("requests.cpu 500m 1", rows);
    }

    [Fact]
    public async Task LimitRange_DefaultsAppearOnACreatedPod()
    {
        var ns = await NamespaceWithAsync("""
            apiVersion: v1
            kind: LimitRange
            metadata:
              name: defaults
            spec:
              limits:
              - type: Container
                default: {cpu: 500m, memory: 256Mi}
                defaultRequest: {cpu: 100m, memory: 128Mi}
                max: {cpu: "1"}
            """);
        (await Kubectl.RunAsync("run", "web", "-n", ns, "--image=registry.k8s.io/pause:3.10", "--image-pull-policy=IfNotPresent")).EnsureSuccess();

        var resources = (await Kubectl.RunAsync("get", "pod", "web", "-n", ns, "-o",
            "jsonpath={.spec.containers[0].resources.requests.cpu} {.spec.containers[0].resources.requests.memory} {.spec.containers[0].resources.limits.cpu} {.spec.containers[0].resources.limits.memory} {.status.qosClass}")).EnsureSuccess();
        var describe = (await Kubectl.RunAsync("describe", "limitrange", "defaults", "-n", ns)).EnsureSuccess();
        var tooBig = await Kubectl.RunAsync("apply", "-n", ns, "-f", Server.ManifestFile(Pod("big", "2", "256Mi")));

        Assert.Equal("100m 128Mi 500m 256Mi Burstable", resources.Stdout.Trim());
        Assert.Contains("Container cpu - 1 100m 500m -", describe.Lines.Select(l => Spaces().Replace(l.Trim(), " ")));
        Assert.Contains("pods \"big\" is forbidden: maximum cpu usage per Container is 1, but limit is 2", tooBig.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PriorityClassName_ResolvesToItsValue_UnknownIsForbidden()
    {
        var className = "e2e-high-" + Guid.NewGuid().ToString("N")[..6];
        (await Kubectl.RunAsync("create", "priorityclass", className, "--value=1000", "--preemption-policy=Never")).EnsureSuccess();
        var ns = await Server.CreateNamespaceAsync("prio");

        (await Kubectl.RunAsync("apply", "-n", ns, "-f", Server.ManifestFile(Pod("high", "100m", "64Mi", $"  priorityClassName: {className}")))).EnsureSuccess();
        var priority = (await Kubectl.RunAsync("get", "pod", "high", "-n", ns, "-o", "jsonpath={.spec.priority} {.spec.preemptionPolicy}")).EnsureSuccess();
        var unknown = await Kubectl.RunAsync("apply", "-n", ns, "-f", Server.ManifestFile(Pod("lost", "100m", "64Mi", "  priorityClassName: no-such-class")));
        var system = (await Kubectl.RunAsync("get", "priorityclass", "system-node-critical", "system-cluster-critical", "-o", "jsonpath={.items[*].value}")).EnsureSuccess();

        Assert.Equal("1000 Never", priority.Stdout.Trim());
        Assert.Contains("pods \"lost\" is forbidden: no PriorityClass with name no-such-class was found", unknown.Stderr, StringComparison.Ordinal);
        Assert.Equal("2000001000 2000000000", system.Stdout.Trim());
        (await Kubectl.RunAsync("delete", "priorityclass", className)).EnsureSuccess();
    }

    [Fact]
    public async Task DescribePod_ShowsQosClass()
    {
        var ns = await Server.CreateNamespaceAsync("qos");
        (await Kubectl.RunAsync("apply", "-n", ns, "-f", Server.ManifestFile(Pod("guaranteed", "100m", "64Mi")))).EnsureSuccess();
        (await Kubectl.RunAsync("apply", "-n", ns, "-f", Server.ManifestFile(Pod("best-effort", "", "")))).EnsureSuccess();

        var guaranteed = (await Kubectl.RunAsync("describe", "pod", "guaranteed", "-n", ns)).EnsureSuccess();
        var bestEffort = (await Kubectl.RunAsync("describe", "pod", "best-effort", "-n", ns)).EnsureSuccess();

        Assert.Contains(guaranteed.Lines, l => Spaces().Replace(l.Trim(), " ") == "QoS Class: Guaranteed");
        Assert.Contains(bestEffort.Lines, l => Spaces().Replace(l.Trim(), " ") == "QoS Class: BestEffort");
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();
}
