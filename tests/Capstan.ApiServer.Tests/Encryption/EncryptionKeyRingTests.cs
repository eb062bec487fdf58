using Capstan.ApiServer.Encryption;
using Capstan.ApiServer.Tests.Security;

namespace Capstan.ApiServer.Tests.Encryption;

public sealed class EncryptionKeyRingTests
{
    [Fact]
    public void LoadOrCreate_FirstStart_WritesPrivateFileThatLaterStartsReuse()
    {
        using var dir = new TemporaryDirectory();
        Directory.CreateDirectory(dir.Path);

        var first = EncryptionKeyRing.LoadOrCreate(dir.Path);
        var second = EncryptionKeyRing.LoadOrCreate(dir.Path);

        var path = dir.File(EncryptionKeyRing.FileName);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }

        Assert.Equal(first.Active.Name, second.Active.Name);
        Assert.Equal(first.Active.Secret, second.Active.Secret);
        Assert.Equal(32, first.Active.Secret.Length);
    }

    [Fact]
    public void Rotate_Persisted_NewKeyFirstOldKeyKept()
    {
        using var dir = new TemporaryDirectory();
        Directory.CreateDirectory(dir.Path);
        var ring = EncryptionKeyRing.LoadOrCreate(dir.Path);
        var old = ring.Active.Name;

        var added = ring.Rotate(DateTimeOffset.UtcNow);
        var reloaded = EncryptionKeyRing.LoadOrCreate(dir.Path);

        Assert.Equal([added.Name, old], reloaded.Keys.Select(k => k.Name));
    }

    [Fact]
    public void DropUnused_KeepsWriteKeyAndKeysInUse()
    {
        var ring = EncryptionKeyRing.InMemory();
        var a = ring.Active.Name;
        var b = ring.Rotate(DateTimeOffset.UtcNow).Name;
        var c = ring.Rotate(DateTimeOffset.UtcNow).Name;

        var dropped = ring.DropUnused(new HashSet<string> { a });

        Assert.Equal([b], dropped);
        Assert.Equal([c, a], ring.Keys.Select(k => k.Name));
    }

    [Fact]
    public void LoadOrCreate_CorruptFile_ThrowsInvalidData()
    {
        using var dir = new TemporaryDirectory();
        Directory.CreateDirectory(dir.Path);
        File.WriteAllText(dir.File(EncryptionKeyRing.FileName), "{\"keys\":[{\"name\":\"k\",\"secret\":\"c2hvcnQ=\"}]}");

        Assert.Throws<InvalidDataException>(() => EncryptionKeyRing.LoadOrCreate(dir.Path));
    }
}
