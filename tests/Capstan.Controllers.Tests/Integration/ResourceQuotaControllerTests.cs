using k8s;
using k8s.Models;

namespace Capstan.Controllers.Tests.Integration;

[Trait("Category", "Slow")]
public sealed class ResourceQuotaControllerTests(ControllersFixture fixture) : IClassFixture<ControllersFixture>
{
    private Kubernetes Client => fixture.Client;

    [Fact]
    public async Task Quota_CountsExistingObjects_ThenFollowsDeletesAndFinishedPods()
    {
        const string ns = "quota-count";
        await Client.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } });
        await Client.CreateNamespacedPodAsync(Pod("a", "250m"), ns);
        await Client.CreateNamespacedPodAsync(Pod("b", "500m"), ns);
        await Client.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "cm" } }, ns);
        await Client.CreateNamespacedResourceQuotaAsync(new V1ResourceQuota
        {
            Metadata = new V1ObjectMeta { Name = "q" },
            Spec = new V1ResourceQuotaSpec
            {
                Hard = new Dictionary<string, ResourceQuantity>
                {
                    ["pods"] = new("10"), ["requests.cpu"] = new("2"), ["count/configmaps"] = new("5"), ["count/deployments.apps"] = new("3"),
                },
            },
        }, ns);

        Assert.True(await ControllersFixture.EventuallyAsync(async () => Used(await Client.ReadNamespacedResourceQuotaAsync("q", ns)) == "configmaps=1 deployments=0 pods=2 cpu=750m"));

        await Client.DeleteNamespacedPodAsync("a", ns, new V1DeleteOptions { GracePeriodSeconds = 0 });
        var b = await Client.ReadNamespacedPodAsync("b", ns);
        b.Status.Phase = "Succeeded";
        await Client.ReplaceNamespacedPodStatusAsync(b, "b", ns);

        Assert.True(await ControllersFixture.EventuallyAsync(async () => Used(await Client.ReadNamespacedResourceQuotaAsync("q", ns)) == "configmaps=1 deployments=0 pods=0 cpu=0"));
        var quota = await Client.ReadNamespacedResourceQuotaAsync("q", ns);
        Assert.Equal("2", quota.Status.Hard["requests.cpu"].ToString());
    }

    private static string Used(V1ResourceQuota quota) =>
        quota.Status?.Used is { } used && used.Count == 4
            ? $"configmaps={used["count/configmaps"]} deployments={used["count/deployments.apps"]} pods={used["pods"]} cpu={used["requests.cpu"]}"
            : "";

    private static V1Pod Pod(string name, string cpu) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1PodSpec
        {
            Containers = [new V1Container
            {
                Name = "c",
                Image = "busybox",
                Resources = new V1ResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(cpu) } },
            }],
        },
    };
}
