using Capstan.Agent.Images;
using k8s.Models;

namespace Capstan.Agent.Tests.Images;

public sealed class ImageNameTests
{
    [Theory]
    [InlineData("busybox", "docker.io", "library/busybox", null, null)]
    [InlineData("busybox:1.36", "docker.io", "library/busybox", "1.36", null)]
    [InlineData("user/app:v2", "docker.io", "user/app", "v2", null)]
    [InlineData("localhost:5000/app", "localhost:5000", "app", null, null)]
    [InlineData("capstan.io/busybox:1", "capstan.io", "busybox", "1", null)]
    [InlineData("index.docker.io/library/nginx@sha256:abc", "docker.io", "library/nginx", null, "sha256:abc")]
    [InlineData("localhost/app:1", "localhost", "app", "1", null)]
    public void Parse_References_SplitAsDistributionRules(string image, string registry, string repository, string? tag, string? digest)
    {
        var name = ImageName.Parse(image);

        Assert.Equal(new ImageName(registry, repository, tag, digest), name);
    }

    [Theory]
    [InlineData("busybox", null, "Always")]
    [InlineData("busybox:latest", null, "Always")]
    [InlineData("busybox:1", null, "IfNotPresent")]
    [InlineData("busybox@sha256:abc", null, "IfNotPresent")]
    [InlineData("busybox", "Never", "Never")]
    [InlineData("busybox:1", "Always", "Always")]
    public void PullPolicy_Unset_DefaultsByTag(string image, string? policy, string expected)
    {
        Assert.Equal(expected, PullPolicy.Of(new V1Container { Name = "c", Image = image, ImagePullPolicy = policy }));
    }
}
