using k8s;
using k8s.Models;

namespace Capstan.Controllers.Tests.Integration;

[Trait("Category", "Slow")]
public sealed class GarbageCollectorTests(ControllersFixture fixture) : IClassFixture<ControllersFixture>
{
    private Kubernetes Client => fixture.Client;

    [Fact]
    public async Task DeleteOwner_Background_DeletesDependent()
    {
        var owner = await CreateConfigMapAsync("bg-owner", "default");
        await CreateConfigMapAsync("bg-dependent", "default", Ref(owner, block: false));

        await Client.DeleteNamespacedConfigMapAsync("bg-owner", "default");

        Assert.True(await ControllersFixture.EventuallyAsync(() => ApiProbe.IsGoneAsync(() => Client.ReadNamespacedConfigMapAsync("bg-dependent", "default"))));
    }

    [Fact]
    public async Task Dependent_OfAlreadyMissingOwner_IsDeleted()
    {
        var owner = await CreateConfigMapAsync("gone-owner", "default");
        await Client.DeleteNamespacedConfigMapAsync("gone-owner", "default");
        await CreateConfigMapAsync("late-dependent", "default", Ref(owner, block: false));

        Assert.True(await ControllersFixture.EventuallyAsync(() => ApiProbe.IsGoneAsync(() => Client.ReadNamespacedConfigMapAsync("late-dependent", "default"))));
    }

    [Fact]
    public async Task Dependent_NamingOwnerInOtherNamespace_IsDeleted()
    {
        await Client.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "gc-other" } });
        var owner = await CreateConfigMapAsync("xns-owner", "default");
        await CreateConfigMapAsync("xns-dependent", "gc-other", Ref(owner, block: false));

        // A namespaced owner can only own objects in its own namespace: in gc-other it counts as absent.
        Assert.True(await ControllersFixture.EventuallyAsync(() => ApiProbe.IsGoneAsync(() => Client.ReadNamespacedConfigMapAsync("xns-dependent", "gc-other"))));
        Assert.NotNull(await Client.ReadNamespacedConfigMapAsync("xns-owner", "default"));
    }

    [Fact]
    public async Task DeleteOwner_Foreground_DeletesBlockingDependentsFirst()
    {
        var owner = await CreateConfigMapAsync("fg-owner", "default");
        await CreateConfigMapAsync("fg-dependent", "default", Ref(owner, block: true));
        // A finalizer on a second dependent holds it (and so the owner) in place so the intermediate state can be seen.
        var held = new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "fg-held", Finalizers = ["example.com/hold"], OwnerReferences = [Ref(owner, block: true)] } };
        await Client.CreateNamespacedConfigMapAsync(held, "default");

        await Client.DeleteNamespacedConfigMapAsync("fg-owner", "default", body: new V1DeleteOptions { PropagationPolicy = "Foreground" });

        Assert.True(await ControllersFixture.EventuallyAsync(async () =>
            (await Client.ReadNamespacedConfigMapAsync("fg-held", "default")).Metadata.DeletionTimestamp is not null
            && await ApiProbe.IsGoneAsync(() => Client.ReadNamespacedConfigMapAsync("fg-dependent", "default"))));
        var waitingOwner = await Client.ReadNamespacedConfigMapAsync("fg-owner", "default");
        Assert.NotNull(waitingOwner.Metadata.DeletionTimestamp);
        Assert.Contains("foregroundDeletion", waitingOwner.Metadata.Finalizers);

        var current = await Client.ReadNamespacedConfigMapAsync("fg-held", "default");
        current.Metadata.Finalizers = [];
        await Client.ReplaceNamespacedConfigMapAsync(current, "fg-held", "default");

        Assert.True(await ControllersFixture.EventuallyAsync(() => ApiProbe.IsGoneAsync(() => Client.ReadNamespacedConfigMapAsync("fg-owner", "default"))));
        Assert.True(await ApiProbe.IsGoneAsync(() => Client.ReadNamespacedConfigMapAsync("fg-held", "default")));
    }

    [Fact]
    public async Task DeleteOwner_Orphan_LeavesDependentWithoutOwnerReference()
    {
        var owner = await CreateConfigMapAsync("or-owner", "default");
        var other = await CreateConfigMapAsync("or-other-owner", "default");
        await CreateConfigMapAsync("or-dependent", "default", Ref(owner, block: true), Ref(other, block: false));

        await Client.DeleteNamespacedConfigMapAsync("or-owner", "default", body: new V1DeleteOptions { PropagationPolicy = "Orphan" });

        Assert.True(await ControllersFixture.EventuallyAsync(() => ApiProbe.IsGoneAsync(() => Client.ReadNamespacedConfigMapAsync("or-owner", "default"))));
        var dependent = await Client.ReadNamespacedConfigMapAsync("or-dependent", "default");
        var remaining = Assert.Single(dependent.Metadata.OwnerReferences);
        Assert.Equal(other.Metadata.Uid, remaining.Uid);
    }

    [Fact]
    public async Task DeleteOwner_Foreground_DeletesAChainOfDependents()
    {
        var top = await CreateConfigMapAsync("chain-top", "default");
        var middle = await CreateConfigMapAsync("chain-middle", "default", Ref(top, block: true));
        await CreateConfigMapAsync("chain-leaf", "default", Ref(middle, block: true));
        await CreateConfigMapAsync("chain-loose", "default", Ref(top, block: false));

        await Client.DeleteNamespacedConfigMapAsync("chain-top", "default", body: new V1DeleteOptions { PropagationPolicy = "Foreground" });

        Assert.True(await ControllersFixture.EventuallyAsync(() => ApiProbe.IsGoneAsync(() => Client.ReadNamespacedConfigMapAsync("chain-top", "default"))));
        Assert.True(await ApiProbe.IsGoneAsync(() => Client.ReadNamespacedConfigMapAsync("chain-middle", "default")));
        Assert.True(await ApiProbe.IsGoneAsync(() => Client.ReadNamespacedConfigMapAsync("chain-leaf", "default")));
        Assert.True(await ControllersFixture.EventuallyAsync(() => ApiProbe.IsGoneAsync(() => Client.ReadNamespacedConfigMapAsync("chain-loose", "default"))));
    }

    [Fact]
    public async Task DeleteClusterScopedOwner_DeletesNamespacedDependent()
    {
        var role = await Client.CreateClusterRoleAsync(new V1ClusterRole { Metadata = new V1ObjectMeta { Name = "gc-owner-role" } });
        var reference = new V1OwnerReference { ApiVersion = "rbac.authorization.k8s.io/v1", Kind = "ClusterRole", Name = role.Metadata.Name, Uid = role.Metadata.Uid };
        await CreateConfigMapAsync("owned-by-role", "default", reference);
        Assert.NotNull(await Client.ReadNamespacedConfigMapAsync("owned-by-role", "default"));

        await Client.DeleteClusterRoleAsync("gc-owner-role");

        Assert.True(await ControllersFixture.EventuallyAsync(() => ApiProbe.IsGoneAsync(() => Client.ReadNamespacedConfigMapAsync("owned-by-role", "default"))));
    }

    private async Task<V1ConfigMap> CreateConfigMapAsync(string name, string ns, params V1OwnerReference[] owners) =>
        await Client.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = name, OwnerReferences = owners.Length > 0 ? owners : null } }, ns);

    private static V1OwnerReference Ref(V1ConfigMap owner, bool block) => new()
    {
        ApiVersion = "v1",
        Kind = "ConfigMap",
        Name = owner.Metadata.Name,
        Uid = owner.Metadata.Uid,
        BlockOwnerDeletion = block,
    };
}
