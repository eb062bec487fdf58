using Capstan.E2E.Infrastructure;

namespace Capstan.E2E.Certificates;

/// <summary>
/// The official C# client inside a pod: tests/Capstan.InClusterProbe, built with the KubernetesClient package, runs as a
/// process-runtime pod with <c>KubernetesClientConfiguration.InClusterConfig()</c> (token, CA and namespace from
/// /var/run/secrets/kubernetes.io/serviceaccount, the API at KUBERNETES_SERVICE_HOST:PORT through the service proxy),
/// lists the pods a Role lets its service account list, and is refused the Secrets it does not.
/// </summary>
[Trait("Category", "Slow")]
public sealed class InClusterClientTests(WorkloadCluster cluster) : IClassFixture<WorkloadCluster>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);
    private readonly Kubectl _kubectl = cluster.Kubectl;

    [Fact]
    public async Task OfficialClient_InClusterConfig_ListsPodsItsRoleAllows()
    {
        var ns = await cluster.CreateNamespaceAsync();
        await WorkloadCluster.WaitAsync(async () => (await _kubectl.RunAsync("get", "serviceaccount", "default", "-n", ns)).ExitCode == 0, Bound, "the default ServiceAccount");
        (await _kubectl.RunAsync("create", "role", "pod-reader", "-n", ns, "--verb=get,list,watch", "--resource=pods")).EnsureSuccess();
        (await _kubectl.RunAsync("create", "rolebinding", "pod-reader", "-n", ns, "--role=pod-reader", $"--serviceaccount={ns}:default")).EnsureSuccess();
        var manifest = $$"""
            apiVersion: v1
            kind: Pod
            metadata:
              name: probe
            spec:
              restartPolicy: Never
              terminationGracePeriodSeconds: 1
              containers:
              - name: probe
                image: capstan/dotnet
                imagePullPolicy: Never
                command: ["{{DotnetHost()}}", "{{ProbeAssembly()}}"]
                env:
                - name: HOME
                  value: /tmp
                - name: DOTNET_CLI_TELEMETRY_OPTOUT
                  value: "1"
            """;
        (await _kubectl.RunAsync("apply", "-n", ns, "-f", cluster.ManifestFile(manifest))).EnsureSuccess();

        await WorkloadCluster.WaitAsync(async () =>
        {
            var phase = (await _kubectl.RunAsync("get", "pod", "probe", "-n", ns, "-o", "jsonpath={.status.phase}")).Stdout.Trim();
            return phase is "Succeeded" or "Failed";
        }, Bound, "the probe pod to finish");

        var logs = (await _kubectl.RunAsync("logs", "probe", "-n", ns)).EnsureSuccess().Stdout;
        var lines = logs.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Contains("pod probe"), $"the probe did not list itself; it printed:\n{logs}");
        Assert.Contains($"namespace {ns}", lines);
        Assert.Contains("secrets 403", lines);
        Assert.Contains(lines, l => l.StartsWith("host https://", StringComparison.Ordinal));
        Assert.Equal("Succeeded", (await _kubectl.RunAsync("get", "pod", "probe", "-n", ns, "-o", "jsonpath={.status.phase}")).Stdout.Trim());
    }

    private static string DotnetHost() =>
        Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "/usr/bin/dotnet";

    /// <summary>The probe's build output, next to this assembly's (same configuration and framework).</summary>
    private static string ProbeAssembly()
    {
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = output.Name;
        var configuration = output.Parent!.Name;
        var tests = output.Parent.Parent!.Parent!.Parent!.FullName;
        var probe = Path.Combine(tests, "Capstan.InClusterProbe", "bin", configuration, framework, "Capstan.InClusterProbe.dll");
        Assert.True(File.Exists(probe), $"{probe} is missing: build tests/Capstan.InClusterProbe");
        return probe;
    }
}
