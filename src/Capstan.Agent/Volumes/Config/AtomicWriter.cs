using System.Globalization;
using System.Runtime.InteropServices;

namespace Capstan.Agent.Volumes.Config;

/// <summary>
/// Writes a ConfigMap, Secret, downward API or projected volume so that a reader never sees a mix of old and new files,
/// the kubelet's AtomicWriter layout:
/// <code>
/// &lt;dir&gt;/..2026_11_26_02_15_00.482913/   the files of one version (mode 0755 directory)
/// &lt;dir&gt;/..data -> ..2026_11_26_02_15_00.482913
/// &lt;dir&gt;/&lt;key&gt; -> ..data/&lt;key&gt;            one symlink per top-level path
/// </code>
/// A new version is written to a fresh timestamped directory, then <c>..data</c> is swapped to it with one rename(2), then
/// the old directory is removed. A <c>subPath</c> mount resolves the symlinks when it is mounted, so it keeps the version it
/// saw, as in Kubernetes.
/// </summary>
internal static class AtomicWriter
{
    public const string DataDirName = "..data";
    private const string NewDataDirName = "..data_tmp";
    private const UnixFileMode DirectoryMode = (UnixFileMode)0b111_101_101; // 0755

    /// <summary>Makes <paramref name="dir"/> hold exactly <paramref name="files"/>; returns false when it already did.</summary>
    /// <exception cref="ArgumentException">A path is absolute, empty, or has a ".." element.</exception>
    public static bool Write(string dir, IReadOnlyDictionary<string, (byte[] Content, int Mode)> files)
    {
        foreach (var path in files.Keys)
        {
            Validate(path);
        }

        Directory.CreateDirectory(dir);
        var dataLink = Path.Combine(dir, DataDirName);
        var current = CurrentVersionDir(dir);
        if (current is not null && SameContent(Path.Combine(dir, current), files) && UserLinksCorrect(dir, files))
        {
            return false;
        }

        var version = NewVersionDir(dir);
        var versionPath = Path.Combine(dir, version);
        foreach (var (relative, (content, mode)) in files)
        {
            var target = Path.Combine(versionPath, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.WriteAllBytes(target, content);
            SetMode(target, (UnixFileMode)(mode & 0x1ff));
        }

        SetMode(versionPath, DirectoryMode);

        // The swap: a new symlink renamed over ..data (rename(2) replaces the link itself, atomically).
        var tmpLink = Path.Combine(dir, NewDataDirName);
        DeleteEntry(tmpLink);
        File.CreateSymbolicLink(tmpLink, version);
        Rename(tmpLink, dataLink);

        // User-visible links: one per top-level path, pointing through ..data so they follow later swaps.
        var tops = files.Keys.Select(TopLevel).ToHashSet(StringComparer.Ordinal);
        foreach (var top in tops)
        {
            var link = Path.Combine(dir, top);
            var wanted = Path.Combine(DataDirName, top);
            var info = new FileInfo(link);
            if (info.LinkTarget == wanted)
            {
                continue;
            }

            DeleteEntry(link);
            File.CreateSymbolicLink(link, wanted);
        }

        // What no longer belongs: links of removed keys, plain files of an older layout, previous versions.
        foreach (var entry in new DirectoryInfo(dir).EnumerateFileSystemInfos())
        {
            var name = entry.Name;
            if (name == DataDirName || name == version || tops.Contains(name))
            {
                continue;
            }

            DeleteEntry(entry.FullName);
        }

        return true;
    }

    /// <summary>The timestamped directory <c>..data</c> points at, or null before the first write.</summary>
    public static string? CurrentVersionDir(string dir)
    {
        var target = new FileInfo(Path.Combine(dir, DataDirName)).LinkTarget;
        return target is not null && Directory.Exists(Path.Combine(dir, target)) ? target : null;
    }

    private static void Validate(string path)
    {
        if (path.Length == 0 || Path.IsPathRooted(path) || path.Split('/').Any(p => p is ".." or "") || path.StartsWith("..", StringComparison.Ordinal))
        {
            throw new ArgumentException($"invalid volume file path \"{path}\": must be relative, without '..' elements, and not start with '..'", nameof(path));
        }
    }

    private static string TopLevel(string path)
    {
        var slash = path.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? path : path[..slash];
    }

    private static bool SameContent(string versionPath, IReadOnlyDictionary<string, (byte[] Content, int Mode)> files)
    {
        var existing = Directory.EnumerateFiles(versionPath, "*", SearchOption.AllDirectories).Count();
        if (existing != files.Count)
        {
            return false;
        }

        foreach (var (relative, (content, mode)) in files)
        {
            var path = Path.Combine(versionPath, relative);
            if (!File.Exists(path) || !File.ReadAllBytes(path).AsSpan().SequenceEqual(content))
            {
                return false;
            }

            if (!OperatingSystem.IsWindows() && File.GetUnixFileMode(path) != (UnixFileMode)(mode & 0x1ff))
            {
                return false;
            }
        }

        return true;
    }

    private static bool UserLinksCorrect(string dir, IReadOnlyDictionary<string, (byte[] Content, int Mode)> files)
    {
        var tops = files.Keys.Select(TopLevel).ToHashSet(StringComparer.Ordinal);
        foreach (var top in tops)
        {
            if (new FileInfo(Path.Combine(dir, top)).LinkTarget != Path.Combine(DataDirName, top))
            {
                return false;
            }
        }

        // Nothing else visible: a leftover from an older layout or a removed key means a rewrite.
        return new DirectoryInfo(dir).EnumerateFileSystemInfos()
            .All(e => e.Name.StartsWith("..", StringComparison.Ordinal) || tops.Contains(e.Name));
    }

    private static string NewVersionDir(string dir)
    {
        while (true)
        {
            var name = ".." + DateTime.UtcNow.ToString("yyyy_MM_dd_HH_mm_ss", CultureInfo.InvariantCulture)
                + "." + Random.Shared.Next(0, 1_000_000_000).ToString(CultureInfo.InvariantCulture);
            var path = Path.Combine(dir, name);
            if (!Directory.Exists(path))
            {
                Directory.CreateDirectory(path);
                return name;
            }
        }
    }

    private static void DeleteEntry(string path)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is not null || File.Exists(path))
        {
            info.Delete();
        }
        else if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
    }

    private static void SetMode(string path, UnixFileMode mode)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, mode);
        }
    }

    private static void Rename(string from, string to)
    {
        if (OperatingSystem.IsWindows())
        {
            DeleteEntry(to);
            File.Move(from, to);
            return;
        }

        if (NativeRename(from, to) != 0)
        {
            throw new IOException($"rename {from} to {to} failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    [DllImport("libc", EntryPoint = "rename", SetLastError = true)]
    private static extern int NativeRename([MarshalAs(UnmanagedType.LPUTF8Str)] string from, [MarshalAs(UnmanagedType.LPUTF8Str)] string to);
}
