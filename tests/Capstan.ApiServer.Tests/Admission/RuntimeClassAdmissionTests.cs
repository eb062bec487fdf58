using System.Net;
using Capstan.ApiServer.Tests.Integration;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Capstan.ApiServer.Tests.Admission;

public sealed class RuntimeClassAdmissionTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private Kubernetes Client => fixture.Client;

    private async Task<string> ClassAsync(Dictionary<string, ResourceQuantity>? overhead = null, V1Scheduling? scheduling = null)
    {
        var name = "rc-" + Guid.NewGuid().ToString("N")[..8];
        await Client.CreateRuntimeClassAsync(new V1RuntimeClass
        {
            Metadata = new V1ObjectMeta { Name = name },
            Handler = "kata",
            Overhead = overhead is null ? null : new V1Overhead { PodFixed = overhead },
            Scheduling = scheduling,
        });
        return name;
    }

    private static V1Pod Pod(string name, string? runtimeClass) => new()
    {
        Metadata = new V1ObjectMeta { Name = name + "-" + Guid.NewGuid().ToString("N")[..6] },
        Spec = new V1PodSpec { RuntimeClassName = runtimeClass, Containers = [new V1Container { Name = "c", Image = "busybox" }] },
    };

    private async Task<string> ForbiddenAsync(V1Pod pod)
    {
        var ex = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CreateNamespacedPodAsync(pod, "default"));
        Assert.Equal(HttpStatusCode.Forbidden, ex.Response.StatusCode);
        return ex.Response.Content;
    }

    [Fact]
    public async Task Create_ClassWithOverheadAndScheduling_CopiedIntoThePod()
    {
        var name = await ClassAsync(
            new Dictionary<string, ResourceQuantity> { ["cpu"] = new("250m"), ["memory"] = new("120Mi") },
            new V1Scheduling { NodeSelector = new Dictionary<string, string> { ["runtime"] = "kata" }, Tolerations = [new V1Toleration { Key = "kata", OperatorProperty = "Exists", Effect = "NoSchedule" }] });

        var pod = await Client.CreateNamespacedPodAsync(Pod("vm", name), "default");

        Assert.Equal("250m", pod.Spec.Overhead["cpu"].ToString());
        Assert.Equal("120Mi", pod.Spec.Overhead["memory"].ToString());
        Assert.Equal("kata", pod.Spec.NodeSelector["runtime"]);
        Assert.Contains(pod.Spec.Tolerations, t => t.Key == "kata" && t.Effect == "NoSchedule");
    }

    [Fact]
    public async Task Create_UnknownClass_Forbidden() =>
        Assert.Contains("pod rejected: RuntimeClass \\\"no-such-class\\\" not found", await ForbiddenAsync(Pod("lost", "no-such-class")), StringComparison.Ordinal);

    [Fact]
    public async Task Create_OverheadWithoutClass_Forbidden()
    {
        var pod = Pod("sneaky", null);
        pod.Spec.Overhead = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("1") };

        Assert.Contains("pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead", await ForbiddenAsync(pod), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_OverheadDifferingFromTheClass_Forbidden_EqualOneAccepted()
    {
        var name = await ClassAsync(new Dictionary<string, ResourceQuantity> { ["cpu"] = new("1") });
        var differing = Pod("differs", name);
        differing.Spec.Overhead = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("2") };
        var equal = Pod("equal", name);
        equal.Spec.Overhead = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("1000m") };

        Assert.Contains("pod rejected: Pod's Overhead doesn't match RuntimeClass's defined Overhead", await ForbiddenAsync(differing), StringComparison.Ordinal);
        Assert.Equal("1", (await Client.CreateNamespacedPodAsync(equal, "default")).Spec.Overhead["cpu"].ToString());
    }

    [Fact]
    public async Task Create_NodeSelectorContradictingTheClass_Forbidden()
    {
        var name = await ClassAsync(scheduling: new V1Scheduling { NodeSelector = new Dictionary<string, string> { ["runtime"] = "kata" } });
        var pod = Pod("contrary", name);
        pod.Spec.NodeSelector = new Dictionary<string, string> { ["runtime"] = "runc" };

        Assert.Contains("conflict: runtimeClass.scheduling.nodeSelector[runtime] = kata; pod.spec.nodeSelector[runtime] = runc", await ForbiddenAsync(pod), StringComparison.Ordinal);
    }
}
