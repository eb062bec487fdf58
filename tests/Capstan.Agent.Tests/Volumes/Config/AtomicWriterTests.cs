using System.Text;
using Capstan.Agent.Volumes.Config;

namespace Capstan.Agent.Tests.Volumes.Config;

public sealed class AtomicWriterTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "capstan-atomic-" + Guid.NewGuid().ToString("N")[..10]);

    private static Dictionary<string, (byte[] Content, int Mode)> Files(params (string Path, string Content)[] files) =>
        files.ToDictionary(f => f.Path, f => (Encoding.UTF8.GetBytes(f.Content), 0b110_100_100));

    [Fact]
    public void Write_FirstTime_KubeletLayout()
    {
        Assert.True(AtomicWriter.Write(_dir, Files(("a", "1"), ("sub/b.txt", "2"))));

        var version = AtomicWriter.CurrentVersionDir(_dir);
        Assert.NotNull(version);
        Assert.Matches(@"^\.\.\d{4}_\d{2}_\d{2}_\d{2}_\d{2}_\d{2}\.\d+$", version);
        Assert.Equal(version, new FileInfo(Path.Combine(_dir, "..data")).LinkTarget);
        Assert.Equal(Path.Combine("..data", "a"), new FileInfo(Path.Combine(_dir, "a")).LinkTarget);
        Assert.Equal(Path.Combine("..data", "sub"), new FileInfo(Path.Combine(_dir, "sub")).LinkTarget);
        Assert.Equal("1", File.ReadAllText(Path.Combine(_dir, "a")));
        Assert.Equal("2", File.ReadAllText(Path.Combine(_dir, "sub", "b.txt")));
        Assert.Equal(new[] { "..data", "a", "sub", version }.Order(StringComparer.Ordinal), Directory.EnumerateFileSystemEntries(_dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Write_SameContent_NoNewVersion()
    {
        AtomicWriter.Write(_dir, Files(("a", "1")));
        var version = AtomicWriter.CurrentVersionDir(_dir);

        Assert.False(AtomicWriter.Write(_dir, Files(("a", "1"))));
        Assert.Equal(version, AtomicWriter.CurrentVersionDir(_dir));
    }

    [Fact]
    public void Write_Changed_SwapsDataAndRemovesOldVersionAndKeys()
    {
        AtomicWriter.Write(_dir, Files(("a", "1"), ("gone", "x")));
        var first = AtomicWriter.CurrentVersionDir(_dir)!;

        Assert.True(AtomicWriter.Write(_dir, Files(("a", "2"), ("new", "y"))));

        var second = AtomicWriter.CurrentVersionDir(_dir)!;
        Assert.NotEqual(first, second);
        Assert.False(Directory.Exists(Path.Combine(_dir, first)));
        Assert.Equal("2", File.ReadAllText(Path.Combine(_dir, "a")));
        Assert.Equal("y", File.ReadAllText(Path.Combine(_dir, "new")));
        Assert.False(Path.Exists(Path.Combine(_dir, "gone")));
    }

    [Fact]
    public void Write_ResolvedFileOfOldVersion_KeepsOldContent()
    {
        // What a subPath bind mount holds: the file the symlinks resolved to when it was mounted.
        AtomicWriter.Write(_dir, Files(("a", "old")));
        var resolved = Path.Combine(_dir, AtomicWriter.CurrentVersionDir(_dir)!, "a");
        using var held = File.OpenRead(resolved);

        AtomicWriter.Write(_dir, Files(("a", "new")));

        Assert.Equal("new", File.ReadAllText(Path.Combine(_dir, "a")));
        Assert.Equal("old", new StreamReader(held).ReadToEnd());
    }

    [Fact]
    public void Write_ModeChange_Rewrites()
    {
        AtomicWriter.Write(_dir, Files(("a", "1")));
        var files = new Dictionary<string, (byte[] Content, int Mode)> { ["a"] = ("1"u8.ToArray(), 0b100_000_000) };

        Assert.True(AtomicWriter.Write(_dir, files));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead, File.GetUnixFileMode(Path.Combine(_dir, "..data", "a")));
        }
    }

    [Fact]
    public void Write_OlderPlainLayout_IsReplaced()
    {
        Directory.CreateDirectory(_dir);
        File.WriteAllText(Path.Combine(_dir, "a"), "plain");
        File.WriteAllText(Path.Combine(_dir, "stale"), "x");

        AtomicWriter.Write(_dir, Files(("a", "1")));

        Assert.NotNull(new FileInfo(Path.Combine(_dir, "a")).LinkTarget);
        Assert.Equal("1", File.ReadAllText(Path.Combine(_dir, "a")));
        Assert.False(File.Exists(Path.Combine(_dir, "stale")));
    }

    [Fact]
    public void Write_Empty_OnlyDataLink()
    {
        AtomicWriter.Write(_dir, Files());

        Assert.Equal(2, Directory.EnumerateFileSystemEntries(_dir).Count());
        Assert.False(AtomicWriter.Write(_dir, Files()));
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("/abs")]
    [InlineData("..hidden")]
    [InlineData("a/../b")]
    public void Write_BadPath_Throws(string path)
    {
        Assert.Throws<ArgumentException>(() => AtomicWriter.Write(_dir, Files((path, "x"))));
    }

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }
}
