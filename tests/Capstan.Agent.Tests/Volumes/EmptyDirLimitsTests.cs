using Capstan.Agent.Volumes;
using k8s.Models;

namespace Capstan.Agent.Tests.Volumes;

public sealed class EmptyDirLimitsTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("capstan-emptydir-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Exceeded_UsageOverLimit_GivesKubernetesMessage()
    {
        Directory.CreateDirectory(Path.Combine(_root, "cache", "deep"));
        File.WriteAllBytes(Path.Combine(_root, "cache", "deep", "f"), new byte[2048]);
        var message = EmptyDirLimits.Exceeded(Pod("1Ki"), name => Path.Combine(_root, name));
        Assert.Equal("Usage of EmptyDir volume \"cache\" exceeds the limit \"1Ki\". ", message);
    }

    [Fact]
    public void Exceeded_UsageWithinLimit_Null()
    {
        Directory.CreateDirectory(Path.Combine(_root, "cache"));
        File.WriteAllBytes(Path.Combine(_root, "cache", "f"), new byte[512]);
        Assert.Null(EmptyDirLimits.Exceeded(Pod("1Ki"), name => Path.Combine(_root, name)));
    }

    [Fact]
    public void HasLimits_NoSizeLimit_False() => Assert.False(EmptyDirLimits.HasLimits(Pod(null)));

    private static V1Pod Pod(string? limit) => new()
    {
        Spec = new V1PodSpec
        {
            Containers = [new V1Container { Name = "c" }],
            Volumes = [new V1Volume { Name = "cache", EmptyDir = new V1EmptyDirVolumeSource { SizeLimit = limit is null ? null : new ResourceQuantity(limit) } }],
        },
    };
}
