using System.Net;
using Capstan.ApiServer.Tests.Integration;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Capstan.ApiServer.Tests.Admission;

public sealed class PersistentVolumeClaimResizeTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private Kubernetes Client => fixture.Client;

    [Fact]
    public async Task Resize_ClassWithoutExpansion_IsForbiddenWithKubernetesMessage()
    {
        await CreateClassAsync("fixed-size", allowExpansion: false);
        await CreateBoundClaimAsync("fixed", "fixed-size");

        var ex = await Assert.ThrowsAsync<HttpOperationException>(() => ResizeAsync("fixed", "2Gi"));

        Assert.Equal((HttpStatusCode)422, ex.Response.StatusCode);
        Assert.Contains("spec.resources.requests.storage", ex.Response.Content);
        Assert.Contains("only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize", ex.Response.Content);
    }

    [Fact]
    public async Task Resize_ClassAllowingExpansion_IsAccepted()
    {
        await CreateClassAsync("growable", allowExpansion: true);
        await CreateBoundClaimAsync("grows", "growable");

        var resized = await ResizeAsync("grows", "2Gi");

        Assert.Equal("2Gi", resized.Spec.Resources.Requests["storage"].ToString());
    }

    [Fact]
    public async Task Resize_UnboundClaim_IsLeftToTheKindRules()
    {
        await CreateClassAsync("fixed-unbound", allowExpansion: false);
        await Client.CreateNamespacedPersistentVolumeClaimAsync(Claim("pending", "fixed-unbound", volumeName: null), "default");

        var ex = await Assert.ThrowsAnyAsync<Exception>(() => ResizeAsync("pending", "2Gi"));

        // Kubernetes refuses any spec change of a claim except the size of a bound one; the resize plugin adds nothing here.
        Assert.DoesNotContain("only dynamically provisioned pvc", (ex as HttpOperationException)?.Response.Content ?? "");
    }

    private Task CreateClassAsync(string name, bool allowExpansion) =>
        Client.CreateStorageClassAsync(new V1StorageClass
        {
            Metadata = new V1ObjectMeta { Name = name },
            Provisioner = "example.com/test",
            AllowVolumeExpansion = allowExpansion,
        });

    private async Task CreateBoundClaimAsync(string name, string className)
    {
        await Client.CreateNamespacedPersistentVolumeClaimAsync(Claim(name, className, volumeName: "pv-" + name), "default");
        await Client.PatchNamespacedPersistentVolumeClaimStatusAsync(
            new V1Patch("{\"status\":{\"phase\":\"Bound\"}}", V1Patch.PatchType.MergePatch), name, "default");
    }

    private static V1PersistentVolumeClaim Claim(string name, string className, string? volumeName) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1PersistentVolumeClaimSpec
        {
            StorageClassName = className,
            VolumeName = volumeName,
            AccessModes = ["ReadWriteOnce"],
            Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new ResourceQuantity("1Gi") } },
        },
    };

    private Task<V1PersistentVolumeClaim> ResizeAsync(string name, string size) =>
        Client.PatchNamespacedPersistentVolumeClaimAsync(
            new V1Patch("{\"spec\":{\"resources\":{\"requests\":{\"storage\":\"" + size + "\"}}}}", V1Patch.PatchType.MergePatch), name, "default");
}
