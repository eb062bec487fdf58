using Capstan.Agent.Volumes;

namespace Capstan.Agent.Tests.Volumes;

public sealed class HostPathTypesTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("capstan-hostpath-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Check_DirectoryOrCreate_CreatesMissingDirectory()
    {
        var path = Path.Combine(_root, "a", "b");
        HostPathTypes.Check("v", path, "DirectoryOrCreate");
        Assert.True(Directory.Exists(path));
    }

    [Fact]
    public void Check_FileOrCreate_CreatesEmptyFile()
    {
        var path = Path.Combine(_root, "sub", "f");
        HostPathTypes.Check("v", path, "FileOrCreate");
        Assert.True(File.Exists(path));
        Assert.Equal(0, new FileInfo(path).Length);
    }

    [Theory]
    [InlineData("Directory", false)]
    [InlineData("File", true)]
    [InlineData("Socket", true)]
    [InlineData("CharDevice", true)]
    [InlineData("BlockDevice", true)]
    [InlineData("", false)]
    public void Check_ExistingDirectory_OnlyDirectoryAndUncheckedPass(string type, bool fails)
    {
        var ex = Record.Exception(() => HostPathTypes.Check("v", _root, type));
        Assert.Equal(fails, ex is VolumeSetupException);
    }

    [Fact]
    public void Check_MissingDirectory_FailsWithMountMessage()
    {
        var ex = Assert.Throws<VolumeSetupException>(() => HostPathTypes.Check("data", Path.Combine(_root, "nope"), "Directory"));
        Assert.StartsWith("MountVolume.SetUp failed for volume \"data\" : hostPath type check failed:", ex.Message);
    }

    [Fact]
    public void Check_RegularFile_PassesFileFailsDirectory()
    {
        var path = Path.Combine(_root, "regular");
        File.WriteAllText(path, "x");
        HostPathTypes.Check("v", path, "File");
        Assert.Throws<VolumeSetupException>(() => HostPathTypes.Check("v", path, "Directory"));
        Assert.Throws<VolumeSetupException>(() => HostPathTypes.Check("v", path, "DirectoryOrCreate"));
    }

    [Fact]
    public void Check_DevNull_IsCharDevice()
    {
        HostPathTypes.Check("v", "/dev/null", "CharDevice");
        Assert.Throws<VolumeSetupException>(() => HostPathTypes.Check("v", "/dev/null", "BlockDevice"));
    }
}
