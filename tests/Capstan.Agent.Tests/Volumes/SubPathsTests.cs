using Capstan.Agent.Volumes;
using k8s.Models;

namespace Capstan.Agent.Tests.Volumes;

public sealed class SubPathsTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("capstan-subpath-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Resolve_NoSubPath_VolumeItself() =>
        Assert.Equal(_root, SubPaths.Resolve(_root, new V1VolumeMount { Name = "v", MountPath = "/m" }, new Dictionary<string, string>()));

    [Fact]
    public void Resolve_SubPathExpr_ExpandsEnvAndCreatesDirectory()
    {
        var env = new Dictionary<string, string> { ["POD_NAME"] = "web-0" };
        var path = SubPaths.Resolve(_root, new V1VolumeMount { Name = "v", MountPath = "/m", SubPathExpr = "logs/$(POD_NAME)" }, env);
        Assert.Equal(Path.Combine(_root, "logs", "web-0"), path);
        Assert.True(Directory.Exists(path));
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("a/../../b")]
    [InlineData("/etc")]
    public void Resolve_EscapingSubPath_Fails(string sub) =>
        Assert.Throws<VolumeSetupException>(() => SubPaths.Resolve(_root, new V1VolumeMount { Name = "v", MountPath = "/m", SubPath = sub }, new Dictionary<string, string>()));
}
