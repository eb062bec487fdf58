using k8s;
using k8s.Models;

namespace Capstan.Controllers.Tests.Integration;

[Trait("Category", "Slow")]
public sealed class PodGarbageCollectorTests(ControllersFixture fixture) : IClassFixture<ControllersFixture>
{
    private Kubernetes Client => fixture.Client;

    [Fact]
    public async Task PodOnMissingNode_IsDeleted()
    {
        const string ns = "podgc-orphan";
        await Client.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } });
        await Client.CreateNamespacedPodAsync(new V1Pod { Metadata = new V1ObjectMeta { Name = "lost" }, Spec = FakeKubelet.Spec("ghost-node") }, ns);

        Assert.True(await ControllersFixture.EventuallyAsync(() => ApiProbe.IsGoneAsync(() => Client.ReadNamespacedPodAsync("lost", ns))));
    }

    [Fact]
    public async Task TerminatedPodsOverThreshold_OldestDeleted()
    {
        // The fixture's threshold is 3.
        const string ns = "podgc-terminated";
        await Client.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } });
        for (var i = 0; i < 5; i++)
        {
            var pod = await Client.CreateNamespacedPodAsync(new V1Pod { Metadata = new V1ObjectMeta { Name = $"done-{i}" }, Spec = FakeKubelet.Spec() }, ns);
            pod.Status = new V1PodStatus { Phase = "Succeeded" };
            await Client.ReplaceNamespacedPodStatusAsync(pod, pod.Metadata.Name, ns);
        }

        Assert.True(await ControllersFixture.EventuallyAsync(async () => (await Client.ListNamespacedPodAsync(ns)).Items.Count == 3));
    }
}
