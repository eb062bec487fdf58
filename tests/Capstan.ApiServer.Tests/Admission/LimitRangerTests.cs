using System.Net;
using Capstan.ApiServer.Tests.Integration;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Capstan.ApiServer.Tests.Admission;

public sealed class LimitRangerTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private Kubernetes Client => fixture.Client;

    [Fact]
    public async Task Create_ContainerWithoutResources_GetsDefaultsAnnotationAndQos()
    {
        var ns = await NamespaceWithAsync(new V1LimitRangeItem
        {
            Type = "Container",
            DefaultProperty = Amounts(("cpu", "500m"), ("memory", "256Mi")),
            DefaultRequest = Amounts(("cpu", "100m"), ("memory", "128Mi")),
        });

        var pod = await Client.CreateNamespacedPodAsync(Pod("p", new V1ResourceRequirements { Limits = Amounts(("memory", "200Mi")) }), ns);

        var resources = pod.Spec.Containers[0].Resources;
        Assert.Equal("500m", resources.Limits["cpu"].ToString());
        Assert.Equal("200Mi", resources.Limits["memory"].ToString());
        Assert.Equal("100m", resources.Requests["cpu"].ToString());
        Assert.Equal("200Mi", resources.Requests["memory"].ToString());
        Assert.Equal("LimitRanger plugin set: cpu request for container c; cpu limit for container c", pod.Metadata.Annotations["kubernetes.io/limit-ranger"]);
        Assert.Equal("Burstable", pod.Status.QosClass);
    }

    [Theory]
    [InlineData("2", "500m", "maximum cpu usage per Container is 1, but limit is 2")]
    [InlineData("200m", "40m", "minimum cpu usage per Container is 50m, but request is 40m")]
    [InlineData("1", "100m", "cpu max limit to request ratio per Container is 5, but provided ratio is 10.000000")]
    public async Task Create_ContainerOutsideRange_Forbidden(string limit, string request, string message)
    {
        var ns = await NamespaceWithAsync(new V1LimitRangeItem
        {
            Type = "Container",
            Max = Amounts(("cpu", "1")),
            Min = Amounts(("cpu", "50m")),
            MaxLimitRequestRatio = Amounts(("cpu", "5")),
        });

        var resources = new V1ResourceRequirements { Limits = Amounts(("cpu", limit)), Requests = Amounts(("cpu", request)) };
        var ex = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CreateNamespacedPodAsync(Pod("p", resources), ns));

        Assert.Equal(HttpStatusCode.Forbidden, ex.Response.StatusCode);
        Assert.Contains($"pods \\\"p\\\" is forbidden: {message}", ex.Response.Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_PodOverPodMax_Forbidden()
    {
        var ns = await NamespaceWithAsync(new V1LimitRangeItem { Type = "Pod", Max = Amounts(("memory", "1Gi")) });
        var pod = Pod("p", new V1ResourceRequirements { Limits = Amounts(("memory", "800Mi")) });
        pod.Spec.Containers.Add(new V1Container { Name = "d", Image = "busybox", Resources = new V1ResourceRequirements { Limits = Amounts(("memory", "800Mi")) } });

        var ex = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CreateNamespacedPodAsync(pod, ns));

        Assert.Contains("maximum memory usage per Pod is 1Gi, but limit is 1600Mi", ex.Response.Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_ClaimBelowMinStorage_Forbidden()
    {
        var ns = await NamespaceWithAsync(new V1LimitRangeItem { Type = "PersistentVolumeClaim", Min = Amounts(("storage", "1Gi")) });
        var claim = new V1PersistentVolumeClaim
        {
            Metadata = new V1ObjectMeta { Name = "small" },
            Spec = new V1PersistentVolumeClaimSpec
            {
                AccessModes = ["ReadWriteOnce"],
                StorageClassName = "",
                Resources = new V1VolumeResourceRequirements { Requests = Amounts(("storage", "500Mi")) },
            },
        };

        var ex = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CreateNamespacedPersistentVolumeClaimAsync(claim, ns));

        Assert.Equal(HttpStatusCode.Forbidden, ex.Response.StatusCode);
        Assert.Contains("minimum storage usage per PersistentVolumeClaim is 1Gi, but request is 500Mi", ex.Response.Content, StringComparison.Ordinal);
    }

    private async Task<string> NamespaceWithAsync(V1LimitRangeItem item)
    {
        var ns = "lr-" + Guid.NewGuid().ToString("N")[..8];
        await Client.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } });
        await Client.CreateNamespacedLimitRangeAsync(new V1LimitRange { Metadata = new V1ObjectMeta { Name = "limits" }, Spec = new V1LimitRangeSpec { Limits = [item] } }, ns);
        return ns;
    }

    private static Dictionary<string, ResourceQuantity> Amounts(params (string Name, string Value)[] amounts) =>
        amounts.ToDictionary(a => a.Name, a => new ResourceQuantity(a.Value));

    private static V1Pod Pod(string name, V1ResourceRequirements resources) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "busybox", Resources = resources }] },
    };
}
