using System.Net;
using Capstan.ApiServer.Tests.Integration;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Capstan.ApiServer.Tests.Admission;

public sealed class ResourceQuotaAdmissionTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private Kubernetes Client => fixture.Client;

    [Fact]
    public async Task Create_OverComputeQuota_ForbiddenWithKubernetesMessage_UsageCharged()
    {
        var ns = await NamespaceWithQuotaAsync("compute", ("requests.cpu", "1"), ("limits.memory", "1Gi"), ("pods", "10"));

        await Client.CreateNamespacedPodAsync(Pod("a", "600m", "512Mi"), ns);
        var ex = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CreateNamespacedPodAsync(Pod("b", "500m", "256Mi"), ns));

        Assert.Equal(HttpStatusCode.Forbidden, ex.Response.StatusCode);
        Assert.Contains("pods \\\"b\\\" is forbidden: exceeded quota: compute, requested: requests.cpu=500m, used: requests.cpu=600m, limited: requests.cpu=1", ex.Response.Content, StringComparison.Ordinal);
        var quota = await Client.ReadNamespacedResourceQuotaAsync("compute", ns);
        Assert.Equal("600m", quota.Status.Used["requests.cpu"].ToString());
        Assert.Equal("512Mi", quota.Status.Used["limits.memory"].ToString());
        Assert.Equal("1", quota.Status.Used["pods"].ToString());
        Assert.Equal("1", quota.Status.Hard["requests.cpu"].ToString());
    }

    [Fact]
    public async Task Create_PodWithoutCoveredResources_MustSpecify()
    {
        var ns = await NamespaceWithQuotaAsync("compute", ("limits.cpu", "2"), ("requests.memory", "1Gi"));

        var ex = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CreateNamespacedPodAsync(Pod("bare", null, null), ns));

        Assert.Equal(HttpStatusCode.Forbidden, ex.Response.StatusCode);
        Assert.Contains("failed quota: compute: must specify limits.cpu for: c; requests.memory for: c", ex.Response.Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_ObjectCounts_RejectTheOneTooMany()
    {
        var ns = await NamespaceWithQuotaAsync("counts", ("configmaps", "1"), ("count/secrets", "1"), ("services.nodeports", "1"));

        await Client.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "one" } }, ns);
        await Client.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "one" } }, ns);
        var configMap = await Assert.ThrowsAsync<HttpOperationException>(() =>
            Client.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "two" } }, ns));
        var secret = await Assert.ThrowsAsync<HttpOperationException>(() =>
            Client.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "two" } }, ns));
        var service = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CreateNamespacedServiceAsync(new V1Service
        {
            Metadata = new V1ObjectMeta { Name = "np" },
            Spec = new V1ServiceSpec { Type = "NodePort", Ports = [new V1ServicePort { Name = "a", Port = 80 }, new V1ServicePort { Name = "b", Port = 81 }] },
        }, ns));

        Assert.Contains("exceeded quota: counts, requested: configmaps=1, used: configmaps=1, limited: configmaps=1", configMap.Response.Content, StringComparison.Ordinal);
        Assert.Contains("exceeded quota: counts, requested: count/secrets=1, used: count/secrets=1, limited: count/secrets=1", secret.Response.Content, StringComparison.Ordinal);
        Assert.Contains("exceeded quota: counts, requested: services.nodeports=2, used: services.nodeports=0, limited: services.nodeports=1", service.Response.Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_DeploymentsAndClaimStorage_Counted()
    {
        var ns = await NamespaceWithQuotaAsync("misc", ("count/deployments.apps", "0"), ("requests.storage", "1Gi"));
        var deployment = new V1Deployment
        {
            Metadata = new V1ObjectMeta { Name = "web" },
            Spec = new V1DeploymentSpec
            {
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "web" } },
                    Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "busybox" }] },
                },
            },
        };
        var claim = new V1PersistentVolumeClaim
        {
            Metadata = new V1ObjectMeta { Name = "data" },
            Spec = new V1PersistentVolumeClaimSpec
            {
                AccessModes = ["ReadWriteOnce"],
                StorageClassName = "",
                Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new("2Gi") } },
            },
        };

        var deploymentError = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CreateNamespacedDeploymentAsync(deployment, ns));
        var claimError = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CreateNamespacedPersistentVolumeClaimAsync(claim, ns));

        Assert.Contains("exceeded quota: misc, requested: count/deployments.apps=1, used: count/deployments.apps=0, limited: count/deployments.apps=0", deploymentError.Response.Content, StringComparison.Ordinal);
        Assert.Contains("exceeded quota: misc, requested: requests.storage=2Gi, used: requests.storage=0, limited: requests.storage=1Gi", claimError.Response.Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Update_ServiceTurnedNodePort_ChargedItsPorts()
    {
        var ns = await NamespaceWithQuotaAsync("ports", ("services.nodeports", "1"), ("services", "5"));
        await Client.CreateNamespacedServiceAsync(new V1Service
        {
            Metadata = new V1ObjectMeta { Name = "web" },
            Spec = new V1ServiceSpec { Ports = [new V1ServicePort { Name = "a", Port = 80 }, new V1ServicePort { Name = "b", Port = 81 }] },
        }, ns);

        var patch = new V1Patch("""{"spec":{"type":"NodePort"}}""", V1Patch.PatchType.MergePatch);
        var ex = await Assert.ThrowsAsync<HttpOperationException>(() => Client.PatchNamespacedServiceAsync(patch, "web", ns));

        Assert.Equal(HttpStatusCode.Forbidden, ex.Response.StatusCode);
        Assert.Contains("services \\\"web\\\" is forbidden: exceeded quota: ports, requested: services.nodeports=2, used: services.nodeports=0, limited: services.nodeports=1", ex.Response.Content, StringComparison.Ordinal);
        var quota = await Client.ReadNamespacedResourceQuotaAsync("ports", ns);
        Assert.Equal("1", quota.Status.Used["services"].ToString());
    }

    [Fact]
    public async Task Create_ScopedQuota_OnlyMatchingPodsCount()
    {
        var ns = "q-" + Guid.NewGuid().ToString("N")[..8];
        await Client.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } });
        await Client.CreateNamespacedResourceQuotaAsync(new V1ResourceQuota
        {
            Metadata = new V1ObjectMeta { Name = "best-effort" },
            Spec = new V1ResourceQuotaSpec { Hard = new Dictionary<string, ResourceQuantity> { ["pods"] = new("1") }, Scopes = ["BestEffort"] },
        }, ns);

        await Client.CreateNamespacedPodAsync(Pod("free1", null, null), ns);
        await Client.CreateNamespacedPodAsync(Pod("sized", "100m", "64Mi"), ns);
        var ex = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CreateNamespacedPodAsync(Pod("free2", null, null), ns));

        Assert.Contains("exceeded quota: best-effort, requested: pods=1, used: pods=1, limited: pods=1", ex.Response.Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_ConcurrentCreates_NeverExceedTheQuota()
    {
        var ns = await NamespaceWithQuotaAsync("pods", ("count/configmaps", "5"));

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(async i =>
        {
            try
            {
                await Client.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = $"cm-{i}" } }, ns);
                return true;
            }
            catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.Forbidden)
            {
                return false;
            }
        }));

        Assert.Equal(5, results.Count(r => r));
        Assert.Equal(5, (await Client.ListNamespacedConfigMapAsync(ns)).Items.Count(c => c.Metadata.Name.StartsWith("cm-", StringComparison.Ordinal)));
    }

    private async Task<string> NamespaceWithQuotaAsync(string name, params (string Resource, string Amount)[] hard)
    {
        var ns = "q-" + Guid.NewGuid().ToString("N")[..8];
        await Client.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } });
        await Client.CreateNamespacedResourceQuotaAsync(new V1ResourceQuota
        {
            Metadata = new V1ObjectMeta { Name = name },
            Spec = new V1ResourceQuotaSpec { Hard = hard.ToDictionary(h => h.Resource, h => new ResourceQuantity(h.Amount)) },
        }, ns);
        return ns;
    }

    private static V1Pod Pod(string name, string? cpu, string? memory)
    {
        var resources = new V1ResourceRequirements();
        if (cpu is not null)
        {
            resources.Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(cpu), ["memory"] = new(memory) };
            resources.Limits = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(cpu), ["memory"] = new(memory) };
        }

        return new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = name },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "busybox", Resources = resources }] },
        };
    }
}
