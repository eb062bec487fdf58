namespace Capstan.Agent.Volumes;

/// <summary>
/// The checks of a hostPath volume's <c>type</c> (Kubernetes' HostPathType): "" checks nothing; DirectoryOrCreate and
/// FileOrCreate create what is missing (directory 0755, empty file 0644); Directory, File, Socket, CharDevice and
/// BlockDevice require the path to exist as that kind.
/// </summary>
internal static class HostPathTypes
{
    /// <exception cref="VolumeSetupException">The path is not of the required type.</exception>
    public static void Check(string volume, string path, string? type)
    {
        switch (type ?? "")
        {
            case "":
                return;
            case "DirectoryOrCreate":
                if (!Directory.Exists(path))
                {
                    if (File.Exists(path))
                    {
                        throw Fail(volume, $"hostPath type check failed: {path} is not a directory");
                    }

                    Directory.CreateDirectory(path);
                }

                return;
            case "Directory":
                if (!Directory.Exists(path))
                {
                    throw Fail(volume, $"hostPath type check failed: {path} is not a directory");
                }

                return;
            case "FileOrCreate":
                if (Directory.Exists(path))
                {
                    throw Fail(volume, $"hostPath type check failed: {path} is not a file");
                }

                if (!File.Exists(path))
                {
                    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
                    using (File.Create(path))
                    {
                    }
                }

                return;
            case "File":
                if (!File.Exists(path) || !FileKind(path).StartsWith("regular", StringComparison.Ordinal))
                {
                    throw Fail(volume, $"hostPath type check failed: {path} is not a file");
                }

                return;
            case "Socket":
                Require(volume, path, "socket", "socket");
                return;
            case "CharDevice":
                Require(volume, path, "character special file", "character device");
                return;
            case "BlockDevice":
                Require(volume, path, "block special file", "block device");
                return;
            default:
                throw Fail(volume, $"hostPath type {type} is not supported");
        }
    }

    private static void Require(string volume, string path, string kind, string what)
    {
        if (FileKind(path) != kind)
        {
            throw Fail(volume, $"hostPath type check failed: {path} is not a {what}");
        }
    }

    /// <summary>The file's type as stat(1) names it ("regular file", "socket", ...), "" when it does not exist: .NET exposes no S_IFMT.</summary>
    private static string FileKind(string path)
    {
        if (!File.Exists(path) && !Directory.Exists(path))
        {
            return "";
        }

        var info = new System.Diagnostics.ProcessStartInfo("stat", ["-L", "-c", "%F", path]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = System.Diagnostics.Process.Start(info);
        if (process is null)
        {
            return "";
        }

        var output = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        return process.ExitCode == 0 ? output : "";
    }

    private static VolumeSetupException Fail(string volume, string why) =>
        new(volume, $"MountVolume.SetUp failed for volume \"{volume}\" : {why}");
}
