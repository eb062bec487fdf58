using k8s;
using k8s.Models;

namespace Capstan.Controllers.Tests.Integration;

[Trait("Category", "Slow")]
public sealed class NamespaceControllerTests(ControllersFixture fixture) : IClassFixture<ControllersFixture>
{
    private Kubernetes Client => fixture.Client;

    [Fact]
    public async Task DeleteNamespace_WithContent_RemovesContentAndNamespace()
    {
        const string ns = "doomed";
        await Client.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } });
        for (var i = 0; i < 80; i++)
        {
            await Client.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = $"cm-{i}" } }, ns);
        }

        for (var i = 0; i < 15; i++)
        {
            await Client.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = $"s-{i}" }, StringData = new Dictionary<string, string> { ["k"] = "v" } }, ns);
        }

        for (var i = 0; i < 5; i++)
        {
            await Client.CreateNamespacedDeploymentAsync(Deployment($"d-{i}"), ns);
        }

        await Client.DeleteNamespaceAsync(ns);

        Assert.True(await ControllersFixture.EventuallyAsync(() => ApiProbe.IsGoneAsync(() => Client.ReadNamespaceAsync(ns))));
        Assert.Empty((await Client.ListNamespacedConfigMapAsync(ns)).Items);
        Assert.Empty((await Client.ListNamespacedSecretAsync(ns)).Items);
        Assert.Empty((await Client.ListNamespacedDeploymentAsync(ns)).Items);
    }

    [Fact]
    public async Task DeleteNamespace_ContentWithFinalizer_WaitsWithConditions_ThenFinishes()
    {
        const string ns = "held";
        await Client.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } });
        await Client.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "pinned", Finalizers = ["example.com/hold"] } }, ns);
        await Client.DeleteNamespaceAsync(ns);

        V1Namespace? seen = null;
        Assert.True(await ControllersFixture.EventuallyAsync(async () =>
        {
            seen = await Client.ReadNamespaceAsync(ns);
            return seen.Status?.Conditions?.Any(c => c.Type == "NamespaceFinalizersRemaining" && c.Status == "True") == true;
        }));
        Assert.Equal("Terminating", seen!.Status.Phase);
        var remaining = seen.Status.Conditions.Single(c => c.Type == "NamespaceContentRemaining");
        Assert.Equal(("True", "SomeResourcesRemain"), (remaining.Status, remaining.Reason));
        Assert.Contains("configmaps has 1 resource instances", remaining.Message);
        var finalizers = seen.Status.Conditions.Single(c => c.Type == "NamespaceFinalizersRemaining");
        Assert.Equal("SomeFinalizersRemain", finalizers.Reason);
        Assert.Contains("example.com/hold in 1 resource instances", finalizers.Message);
        Assert.Equal("False", seen.Status.Conditions.Single(c => c.Type == "NamespaceDeletionDiscoveryFailure").Status);

        var pinned = await Client.ReadNamespacedConfigMapAsync("pinned", ns);
        Assert.NotNull(pinned.Metadata.DeletionTimestamp);
        pinned.Metadata.Finalizers = [];
        await Client.ReplaceNamespacedConfigMapAsync(pinned, "pinned", ns);

        Assert.True(await ControllersFixture.EventuallyAsync(() => ApiProbe.IsGoneAsync(() => Client.ReadNamespaceAsync(ns))));
    }

    private static V1Deployment Deployment(string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1DeploymentSpec
        {
            Replicas = 1,
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = name } },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = name } },
                Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "busybox" }] },
            },
        },
    };
}
