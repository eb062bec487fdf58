using Capstan.E2E.Infrastructure;

namespace Capstan.E2E.Storage;

/// <summary>`kubectl describe pvc` shows the external-provisioner flow: ExternalProvisioning, Provisioning, ProvisioningSucceeded.</summary>
[Trait("Category", "Slow")]
public sealed class ProvisionerEventsTests(WorkloadCluster cluster) : IClassFixture<WorkloadCluster>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task ProvisionedClaim_DescribeShowsProvisioningEvents()
    {
        var ns = await cluster.CreateNamespaceAsync();
        const string manifest = """
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata:
              name: data
            spec:
              accessModes: [ReadWriteOnce]
              resources:
                requests: {storage: 10Mi}
            ---
            apiVersion: v1
            kind: Pod
            metadata:
              name: user
            spec:
              terminationGracePeriodSeconds: 1
              containers:
              - name: main
                image: busybox
                command: ["sleep", "3600"]
                volumeMounts:
                - {name: data, mountPath: /data}
              volumes:
              - name: data
                persistentVolumeClaim: {claimName: data}
            """;
        (await cluster.Kubectl.RunAsync("apply", "-n", ns, "-f", cluster.ManifestFile(manifest))).EnsureSuccess();
        await WorkloadCluster.WaitAsync(async () =>
            (await cluster.Kubectl.RunAsync("get", "pvc", "data", "-n", ns, "-o", "jsonpath={.status.phase}")).Stdout.Trim() == "Bound", Bound, "the claim bound");
        var volume = (await cluster.Kubectl.RunAsync("get", "pvc", "data", "-n", ns, "-o", "jsonpath={.spec.volumeName}")).EnsureSuccess().Stdout.Trim();

        string describe = "";
        await WorkloadCluster.WaitAsync(async () =>
        {
            describe = (await cluster.Kubectl.RunAsync("describe", "pvc", "data", "-n", ns)).EnsureSuccess().Stdout;
            return describe.Contains("ProvisioningSucceeded", StringComparison.Ordinal);
        }, Bound, "the ProvisioningSucceeded event");

        Assert.Contains("ExternalProvisioning", describe, StringComparison.Ordinal);
        Assert.Contains($"External provisioner is provisioning volume for claim \"{ns}/data\"", describe, StringComparison.Ordinal);
        Assert.Contains($"Successfully provisioned volume {volume}", describe, StringComparison.Ordinal);
        Assert.Contains("capstan.io/local-path_" + cluster.NodeName, describe, StringComparison.Ordinal);
    }
}
