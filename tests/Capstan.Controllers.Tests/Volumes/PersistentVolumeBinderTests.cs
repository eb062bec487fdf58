using Capstan.Controllers.Tests.Integration;
using k8s;
using k8s.Models;

namespace Capstan.Controllers.Tests.Volumes;

/// <summary>The binder, protection and default-class behaviour against a real server, with statically created volumes.</summary>
[Trait("Category", "Slow")]
public sealed class PersistentVolumeBinderTests(ControllersFixture fixture) : IClassFixture<ControllersFixture>
{
    private Kubernetes Client => fixture.Client;

    [Fact]
    public async Task Claim_TwoStaticVolumes_BindsSmallestFitWithAnnotationsAndFinalizers()
    {
        var ns = await NamespaceAsync();
        var cls = "manual-" + ns;
        await CreateVolumeAsync("big-" + ns, "5Gi", cls);
        await CreateVolumeAsync("small-" + ns, "1Gi", cls);
        await Client.CreateNamespacedPersistentVolumeClaimAsync(Claim("c", "1Gi", cls), ns);

        Assert.True(await ControllersFixture.EventuallyAsync(async () => (await Client.ReadNamespacedPersistentVolumeClaimAsync("c", ns)).Status?.Phase == "Bound"));
        var claim = await Client.ReadNamespacedPersistentVolumeClaimAsync("c", ns);
        Assert.Equal("small-" + ns, claim.Spec.VolumeName);
        Assert.Equal("yes", claim.Metadata.Annotations["pv.kubernetes.io/bind-completed"]);
        Assert.Equal("yes", claim.Metadata.Annotations["pv.kubernetes.io/bound-by-controller"]);
        Assert.Equal("1Gi", claim.Status.Capacity["storage"].ToString());
        Assert.Contains("kubernetes.io/pvc-protection", claim.Metadata.Finalizers ?? []);

        Assert.True(await ControllersFixture.EventuallyAsync(async () => (await Client.ReadPersistentVolumeAsync("small-" + ns)).Status?.Phase == "Bound"));
        var volume = await Client.ReadPersistentVolumeAsync("small-" + ns);
        Assert.Equal(claim.Metadata.Uid, volume.Spec.ClaimRef.Uid);
        Assert.Equal("yes", volume.Metadata.Annotations["pv.kubernetes.io/bound-by-controller"]);
        Assert.True(await ControllersFixture.EventuallyAsync(async () => (await Client.ReadPersistentVolumeAsync("small-" + ns)).Metadata.Finalizers?.Contains("kubernetes.io/pv-protection") == true));
        Assert.Equal("Available", (await Client.ReadPersistentVolumeAsync("big-" + ns)).Status?.Phase);
    }

    [Theory]
    [InlineData("Retain", "Released")]
    [InlineData("Delete", "Failed")]
    public async Task ClaimDeleted_StaticVolume_ReclaimPolicyDecidesPhase(string policy, string phase)
    {
        var ns = await NamespaceAsync();
        var cls = "manual-" + ns;
        var name = "pv-" + ns;
        await CreateVolumeAsync(name, "1Gi", cls, policy);
        await Client.CreateNamespacedPersistentVolumeClaimAsync(Claim("c", "1Gi", cls), ns);
        Assert.True(await ControllersFixture.EventuallyAsync(async () => (await Client.ReadPersistentVolumeAsync(name)).Status?.Phase == "Bound"));

        await Client.DeleteNamespacedPersistentVolumeClaimAsync("c", ns);

        Assert.True(await ControllersFixture.EventuallyAsync(async () => (await Client.ReadPersistentVolumeAsync(name)).Status?.Phase == phase));
    }

    [Fact]
    public async Task ClaimNamingVolume_TooSmall_StaysPendingThenBindsWhenNamedVolumeFits()
    {
        var ns = await NamespaceAsync();
        var cls = "manual-" + ns;
        await CreateVolumeAsync("tiny-" + ns, "1Mi", cls);
        var claim = Claim("c", "1Gi", cls);
        claim.Spec.VolumeName = "tiny-" + ns;
        await Client.CreateNamespacedPersistentVolumeClaimAsync(claim, ns);

        Assert.True(await ControllersFixture.EventuallyAsync(async () =>
            (await Client.CoreV1.ListNamespacedEventAsync(ns)).Items.Any(e => e.Reason == "VolumeMismatch" && e.Message.Contains("requested PV is too small", StringComparison.Ordinal))));
        Assert.Equal("Pending", (await Client.ReadNamespacedPersistentVolumeClaimAsync("c", ns)).Status?.Phase);
    }

    [Fact]
    public async Task ClaimWithoutClass_DefaultClassExists_GetsIt()
    {
        var ns = await NamespaceAsync();
        var claim = Claim("c", "1Gi", className: null);
        var created = await Client.CreateNamespacedPersistentVolumeClaimAsync(claim, ns);
        Assert.Equal("local-path", created.Spec.StorageClassName);
    }

    [Fact]
    public async Task BoundClaim_Expanded_CapacityFollowsForLocalPathVolume()
    {
        var ns = await NamespaceAsync();
        var cls = "grow-" + ns;
        await Client.CreateStorageClassAsync(new V1StorageClass
        {
            Metadata = new V1ObjectMeta { Name = cls },
            Provisioner = "capstan.io/local-path",
            AllowVolumeExpansion = true,
            VolumeBindingMode = "Immediate",
        });
        var name = "pv-" + ns;
        await CreateVolumeAsync(name, "1Gi", cls, annotations: new Dictionary<string, string> { ["pv.kubernetes.io/provisioned-by"] = "capstan.io/local-path" });
        await Client.CreateNamespacedPersistentVolumeClaimAsync(Claim("c", "1Gi", cls), ns);
        Assert.True(await ControllersFixture.EventuallyAsync(async () => (await Client.ReadNamespacedPersistentVolumeClaimAsync("c", ns)).Status?.Phase == "Bound"));

        var patch = new V1Patch("{\"spec\":{\"resources\":{\"requests\":{\"storage\":\"3Gi\"}}}}", V1Patch.PatchType.MergePatch);
        await Client.PatchNamespacedPersistentVolumeClaimAsync(patch, "c", ns);

        Assert.True(await ControllersFixture.EventuallyAsync(async () => (await Client.ReadNamespacedPersistentVolumeClaimAsync("c", ns)).Status?.Capacity?["storage"]?.ToString() == "3Gi"));
        Assert.Equal("3Gi", (await Client.ReadPersistentVolumeAsync(name)).Spec.Capacity["storage"].ToString());
    }

    private async Task<string> NamespaceAsync()
    {
        var name = "pvb-" + Guid.NewGuid().ToString("N")[..8];
        await Client.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = name } });
        return name;
    }

    private Task<V1PersistentVolume> CreateVolumeAsync(string name, string size, string className, string policy = "Retain", Dictionary<string, string>? annotations = null) =>
        Client.CreatePersistentVolumeAsync(new V1PersistentVolume
        {
            Metadata = new V1ObjectMeta { Name = name, Annotations = annotations },
            Spec = new V1PersistentVolumeSpec
            {
                Capacity = new Dictionary<string, ResourceQuantity> { ["storage"] = new(size) },
                AccessModes = ["ReadWriteOnce"],
                StorageClassName = className,
                PersistentVolumeReclaimPolicy = policy,
                HostPath = new V1HostPathVolumeSource { Path = "/tmp/capstan-pv-" + name },
            },
        });

    private static V1PersistentVolumeClaim Claim(string name, string size, string? className) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1PersistentVolumeClaimSpec
        {
            AccessModes = ["ReadWriteOnce"],
            StorageClassName = className,
            Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new(size) } },
        },
    };
}
