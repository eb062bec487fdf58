using Capstan.Api.Schema;
using k8s.Models;

namespace Capstan.Api.Tests.Patch;

public sealed class PatchMetadataTests
{
    [Theory]
    [InlineData(typeof(V1PodSpec), "containers", "merge", "name", "map")]
    [InlineData(typeof(V1PodSpec), "volumes", "merge,retainKeys", "name", "map")]
    [InlineData(typeof(V1Container), "env", "merge", "name", "map")]
    [InlineData(typeof(V1Container), "ports", "merge", "containerPort", "map")]
    [InlineData(typeof(V1Container), "volumeMounts", "merge", "mountPath", "map")]
    [InlineData(typeof(V1ObjectMeta), "ownerReferences", "merge", "uid", "map")]
    [InlineData(typeof(V1ObjectMeta), "finalizers", "merge", null, "set")]
    [InlineData(typeof(V1ObjectMeta), "managedFields", null, null, "atomic")]
    [InlineData(typeof(V1PodStatus), "conditions", "merge", "type", "map")]
    [InlineData(typeof(V1DeploymentStatus), "conditions", "merge", "type", "map")]
    [InlineData(typeof(V1ServiceSpec), "ports", "merge", "port", "map")]
    [InlineData(typeof(V1NodeStatus), "addresses", "merge", "type", "map")]
    [InlineData(typeof(V1PersistentVolumeClaimStatus), "conditions", "merge", "type", "map")]
    [InlineData(typeof(V1JobStatus), "conditions", "merge", "type", "atomic")]
    public void Find_DocumentedField_ReturnsMarkers(Type type, string field, string? strategy, string? mergeKey, string? listType)
    {
        var info = PatchMetadata.Find(type, field);

        Assert.NotNull(info);
        Assert.Equal(strategy, info.PatchStrategy);
        Assert.Equal(mergeKey, info.PatchMergeKey);
        Assert.Equal(listType, info.ListType);
    }

    [Fact]
    public void Find_ServicePorts_HasPortAndProtocolKeys()
    {
        Assert.Equal(["port", "protocol"], PatchMetadata.Find(typeof(V1ServiceSpec), "ports")!.ListMapKeys);
    }

    [Fact]
    public void Find_AtomicMaps_HaveMapType()
    {
        Assert.Equal("atomic", PatchMetadata.Find(typeof(V1PodSpec), "nodeSelector")!.MapType);
        Assert.Equal("atomic", PatchMetadata.Find(typeof(V1DeploymentSpec), "selector")!.MapType);
    }

    [Fact]
    public void ModelSchema_Pod_ExposesContainerMergeKey()
    {
        var field = ModelSchema.For(typeof(V1PodSpec)).Fields["containers"];

        Assert.Equal("name", field.Patch?.PatchMergeKey);
        Assert.NotNull(field.Nested);
    }
}
