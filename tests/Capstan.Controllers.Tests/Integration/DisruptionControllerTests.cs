using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Capstan.Controllers.Tests.Integration;

[Trait("Category", "Slow")]
public sealed class DisruptionControllerTests(ControllersFixture fixture) : IClassFixture<ControllersFixture>
{
    private Kubernetes Client => fixture.Client;

    [Fact]
    public async Task Budget_TracksReadyPods_EvictionAllowedThenRefused()
    {
        const string ns = "pdb";
        await Client.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } });
        await Client.CreateNamespacedReplicaSetAsync(ReplicaSetControllerTests.ReplicaSet("web", 3), ns);
        await Client.CreateNamespacedPodDisruptionBudgetAsync(new V1PodDisruptionBudget
        {
            Metadata = new V1ObjectMeta { Name = "web" },
            Spec = new V1PodDisruptionBudgetSpec
            {
                MinAvailable = 2,
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } },
            },
        }, ns);

        V1PodDisruptionBudget? pdb = null;
        Assert.True(await ControllersFixture.EventuallyAsync(async () =>
        {
            await FakeKubelet.MarkAllReadyAsync(Client, ns, "app=web");
            pdb = await Client.ReadNamespacedPodDisruptionBudgetAsync("web", ns);
            return pdb.Status?.DisruptionsAllowed == 1;
        }));
        Assert.Equal((3, 2, 3, 1L), (pdb!.Status.CurrentHealthy, pdb.Status.DesiredHealthy, pdb.Status.ExpectedPods, pdb.Status.ObservedGeneration));
        var allowed = pdb.Status.Conditions.Single(c => c.Type == "DisruptionAllowed");
        Assert.Equal(("True", "SufficientPods"), (allowed.Status, allowed.Reason));

        var pods = (await Client.ListNamespacedPodAsync(ns, labelSelector: "app=web")).Items;
        await Client.CreateNamespacedPodEvictionAsync(new V1Eviction { Metadata = new V1ObjectMeta { Name = pods[0].Metadata.Name, NamespaceProperty = ns } }, pods[0].Metadata.Name, ns);

        // The replacement is not ready: 2 healthy of 2 desired, no disruption left.
        Assert.True(await ControllersFixture.EventuallyAsync(async () =>
        {
            pdb = await Client.ReadNamespacedPodDisruptionBudgetAsync("web", ns);
            return pdb.Status.CurrentHealthy == 2 && pdb.Status.ExpectedPods == 3 && pdb.Status.DisruptedPods is not { Count: > 0 };
        }));
        Assert.Equal(0, pdb!.Status.DisruptionsAllowed);
        Assert.Equal(("False", "InsufficientPods"), (pdb.Status.Conditions.Single(c => c.Type == "DisruptionAllowed").Status, pdb.Status.Conditions.Single(c => c.Type == "DisruptionAllowed").Reason));
        var ex = await Assert.ThrowsAsync<HttpOperationException>(() =>
            Client.CreateNamespacedPodEvictionAsync(new V1Eviction { Metadata = new V1ObjectMeta { Name = pods[1].Metadata.Name, NamespaceProperty = ns } }, pods[1].Metadata.Name, ns));
        Assert.Equal((HttpStatusCode)429, ex.Response.StatusCode);

        // The replacement becomes ready: the budget allows one disruption again.
        Assert.True(await ControllersFixture.EventuallyAsync(async () =>
        {
            await FakeKubelet.MarkAllReadyAsync(Client, ns, "app=web");
            return (await Client.ReadNamespacedPodDisruptionBudgetAsync("web", ns)).Status.DisruptionsAllowed == 1;
        }));
    }
}
