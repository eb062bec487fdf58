using System.Net;
using Capstan.ApiServer.Tests.Integration;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Capstan.ApiServer.Tests.Admission;

public sealed class PriorityAdmissionTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private Kubernetes Client => fixture.Client;

    [Fact]
    public async Task Startup_SystemClasses_Exist()
    {
        var node = await Client.ReadPriorityClassAsync("system-node-critical");
        var cluster = await Client.ReadPriorityClassAsync("system-cluster-critical");

        Assert.Equal(2000001000, node.Value);
        Assert.Equal(2000000000, cluster.Value);
    }

    [Fact]
    public async Task Create_NamedClass_GetsItsPriorityAndPolicy()
    {
        await Client.CreatePriorityClassAsync(new V1PriorityClass { Metadata = new V1ObjectMeta { Name = "high-never" }, Value = 1000, PreemptionPolicy = "Never" });

        var pod = await Client.CreateNamespacedPodAsync(Pod("high", "high-never"), "default");
        var critical = await Client.CreateNamespacedPodAsync(Pod("critical", "system-cluster-critical"), "default");
        var plain = await Client.CreateNamespacedPodAsync(Pod("plain", null), "default");

        Assert.Equal(1000, pod.Spec.Priority);
        Assert.Equal("Never", pod.Spec.PreemptionPolicy);
        Assert.Equal(2000000000, critical.Spec.Priority);
        Assert.Equal(0, plain.Spec.Priority);
        Assert.Equal("PreemptLowerPriority", plain.Spec.PreemptionPolicy);
    }

    [Fact]
    public async Task Create_UnknownClass_Forbidden()
    {
        var ex = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CreateNamespacedPodAsync(Pod("lost", "no-such-class"), "default"));

        Assert.Equal(HttpStatusCode.Forbidden, ex.Response.StatusCode);
        Assert.Contains("pods \\\"lost\\\" is forbidden: no PriorityClass with name no-such-class was found", ex.Response.Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_PriorityDisagreesWithClass_Forbidden()
    {
        var pod = Pod("liar", "system-node-critical");
        pod.Spec.Priority = 5;

        var ex = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CreateNamespacedPodAsync(pod, "default"));

        Assert.Equal(HttpStatusCode.Forbidden, ex.Response.StatusCode);
        Assert.Contains("the integer value of priority (5) must not be provided in pod spec; priority admission controller computed 2000001000", ex.Response.Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_GlobalDefault_AppliesToPodsWithoutClass()
    {
        await Client.CreatePriorityClassAsync(new V1PriorityClass { Metadata = new V1ObjectMeta { Name = "everyone" }, Value = 42, GlobalDefault = true });
        try
        {
            var pod = await Client.CreateNamespacedPodAsync(Pod("defaulted", null), "default");

            Assert.Equal("everyone", pod.Spec.PriorityClassName);
            Assert.Equal(42, pod.Spec.Priority);
        }
        finally
        {
            await Client.DeletePriorityClassAsync("everyone");
        }
    }

    private static V1Pod Pod(string name, string? className) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1PodSpec { PriorityClassName = className, Containers = [new V1Container { Name = "c", Image = "busybox" }] },
    };
}
