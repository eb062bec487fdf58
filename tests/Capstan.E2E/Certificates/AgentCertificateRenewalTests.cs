using System.Security.Cryptography.X509Certificates;
using Capstan.E2E.Infrastructure;

namespace Capstan.E2E.Certificates;

/// <summary>A cluster whose certificates live two minutes, so that a joined agent's node certificate comes due in the test.</summary>
public sealed class ShortCertificateCluster : WorkloadCluster
{
    protected override IEnumerable<string> ExtraServerArguments() => [.. base.ExtraServerArguments(), "--certificate-validity", "120s"];
}

/// <summary>
/// A joined `capstan agent` renews its node certificate by itself (joining again with its token once a third of the
/// certificate's life is left) and carries on under the new one: the node stays Ready and its pod is not restarted.
/// </summary>
[Trait("Category", "Slow")]
public sealed class AgentCertificateRenewalTests(ShortCertificateCluster cluster) : IClassFixture<ShortCertificateCluster>
{
    [Fact]
    public async Task JoinedAgent_CertificateComesDue_RenewsAndKeepsItsPods()
    {
        var kubectl = cluster.Kubectl;
        var worker = "renew-" + Guid.NewGuid().ToString("N")[..6];
        var index = await cluster.StartAgentAsync(worker);
        var certificatePath = Path.Combine($"{cluster.DataDir}-agent{index}", "agent", "client.crt");
        var first = Serial(certificatePath);
        var ns = await cluster.CreateNamespaceAsync();
        (await kubectl.RunAsync("run", "sleeper", "-n", ns, "--image", "busybox", "--restart", "Never",
            "--overrides", $$$"""{"spec":{"nodeName":"{{{worker}}}"}}""", "--", "sleep", "3600")).EnsureSuccess();
        await WorkloadCluster.WaitAsync(async () =>
            (await kubectl.RunAsync("get", "pod", "sleeper", "-n", ns, "-o", "jsonpath={.status.phase}")).Stdout.Trim() == "Running",
            TimeSpan.FromSeconds(60), "the pod on the agent to run");
        var containerId = (await kubectl.RunAsync("get", "pod", "sleeper", "-n", ns, "-o", "jsonpath={.status.containerStatuses[0].containerID}")).Stdout.Trim();

        // Two-minute certificates are due for renewal 80 s after issue (less with the signer's back-dating).
        await WorkloadCluster.WaitAsync(() => Task.FromResult(Serial(certificatePath) != first), TimeSpan.FromSeconds(150), "the agent to renew its certificate");

        await WorkloadCluster.WaitAsync(async () =>
            (await kubectl.RunAsync("get", "node", worker, "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}")).Stdout.Trim() == "True",
            TimeSpan.FromSeconds(30), "the node to be Ready under its new certificate");
        // The agent reports through the new identity: a fresh heartbeat after the renewal.
        var renewedAt = DateTimeOffset.UtcNow;
        await WorkloadCluster.WaitAsync(async () =>
        {
            var renew = (await kubectl.RunAsync("get", "lease", worker, "-n", "kube-node-lease", "-o", "jsonpath={.spec.renewTime}")).Stdout.Trim();
            return DateTimeOffset.TryParse(renew, out var at) && at > renewedAt;
        }, TimeSpan.FromSeconds(30), "a lease renewal after the certificate renewal");
        var after = (await kubectl.RunAsync("get", "pod", "sleeper", "-n", ns, "-o", "jsonpath={.status.containerStatuses[0].containerID} {.status.containerStatuses[0].restartCount}")).Stdout.Trim();
        Assert.Equal($"{containerId} 0", after);
    }

    private static string Serial(string path)
    {
        try
        {
            using var certificate = X509Certificate2.CreateFromPem(File.ReadAllText(path));
            return certificate.SerialNumber;
        }
        catch (IOException)
        {
            return "";
        }
    }
}
