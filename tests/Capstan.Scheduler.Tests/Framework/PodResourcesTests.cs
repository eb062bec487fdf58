using Capstan.Scheduler.Framework;
using k8s.Models;
using static Capstan.Scheduler.Tests.TestObjects;

namespace Capstan.Scheduler.Tests.Framework;

public sealed class PodResourcesTests
{
    [Fact]
    public void Requests_Containers_AreSummed()
    {
        var pod = Info(Pod("p", Container("a", cpu: "250m", memory: "64Mi"), Container("b", cpu: "1", memory: "1Gi")));

        Assert.Equal(1250, pod.Requests.MilliCpu);
        Assert.Equal((64L << 20) + (1L << 30), pod.Requests.MemoryBytes);
    }

    [Fact]
    public void Requests_InitContainerLargerThanSum_TakesInitMax()
    {
        // Containers: 1 + 2 = 3 CPU, 2G; init containers run alone: 2 CPU/3G and 4 CPU/1G. Result: 4 CPU, 3G.
        var pod = Pod("p", Container("a", cpu: "1", memory: "1G"), Container("b", cpu: "2", memory: "1G"));
        pod.Spec.InitContainers = [Container("i1", cpu: "2", memory: "3G"), Container("i2", cpu: "4", memory: "1G")];

        var requests = Info(pod).Requests;

        Assert.Equal(4000, requests.MilliCpu);
        Assert.Equal(3_000_000_000, requests.MemoryBytes);
    }

    [Fact]
    public void Requests_Sidecar_AddsToContainersAndLaterInitContainers()
    {
        // Sidecar S 100m, then init I 1 CPU (S still runs: 1100m); containers 200m + 300m + S = 600m. Needs 1100m.
        var sidecar = Container("s", cpu: "100m");
        sidecar.RestartPolicy = "Always";
        var pod = Pod("p", Container("a", cpu: "200m"), Container("b", cpu: "300m"));
        pod.Spec.InitContainers = [sidecar, Container("i", cpu: "1")];

        Assert.Equal(1100, Info(pod).Requests.MilliCpu);
    }

    [Fact]
    public void Requests_SidecarAfterInitContainer_OnlyAddsToContainers()
    {
        // Init I 1 CPU runs before sidecar S 500m starts; then S + A (800m) = 1300m.
        var sidecar = Container("s", cpu: "500m");
        sidecar.RestartPolicy = "Always";
        var pod = Pod("p", Container("a", cpu: "800m"));
        pod.Spec.InitContainers = [Container("i", cpu: "1"), sidecar];

        Assert.Equal(1300, Info(pod).Requests.MilliCpu);
    }

    [Fact]
    public void Requests_Overhead_IsAddedOnTop()
    {
        var pod = Pod("p", Container("a", cpu: "500m", memory: "100Mi"));
        pod.Spec.Overhead = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("250m"), ["memory"] = new("20Mi") };

        var requests = Info(pod).Requests;

        Assert.Equal(750, requests.MilliCpu);
        Assert.Equal(120L << 20, requests.MemoryBytes);
    }

    [Fact]
    public void Requests_ExtendedAndEphemeral_AreCounted_UnknownNamesIgnored()
    {
        var pod = Info(Pod("p", Container("a", extra: new() { ["example.com/gpu"] = "2", ["ephemeral-storage"] = "1Gi", ["hugepages-2Mi"] = "4Mi" })));

        Assert.Equal(2, pod.Requests.Get("example.com/gpu"));
        Assert.Equal(1L << 30, pod.Requests.EphemeralStorageBytes);
        Assert.Equal(4L << 20, pod.Requests.Get("hugepages-2Mi"));
    }

    [Fact]
    public void NonZeroRequests_MissingCpuOrMemory_UseDefaultsPerContainer()
    {
        var pod = Info(Pod("p", Container("a"), Container("b", cpu: "1"), Container("c", memory: "1Gi")));

        Assert.Equal(0 + 1000 + 0, pod.Requests.MilliCpu);
        Assert.Equal(100 + 1000 + 100, pod.NonZeroRequests.MilliCpu);
        Assert.Equal((200L << 20) + (200L << 20) + (1L << 30), pod.NonZeroRequests.MemoryBytes);
    }

    [Fact]
    public void NonZeroRequests_ExplicitZero_StaysZero()
    {
        var pod = Info(Pod("p", Container("a", cpu: "0", memory: "0")));

        Assert.Equal(0, pod.NonZeroRequests.MilliCpu);
        Assert.Equal(0, pod.NonZeroRequests.MemoryBytes);
    }
}
