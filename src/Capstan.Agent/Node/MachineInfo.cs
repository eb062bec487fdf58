using System.Globalization;
using System.Runtime.InteropServices;

namespace Capstan.Agent.Node;

/// <summary>What the node reports about the machine it runs on, read once at start from /proc and /etc.</summary>
public sealed record MachineInfo(
    int Cpus,
    long MemoryBytes,
    long EphemeralStorageBytes,
    string MachineId,
    string SystemUuid,
    string BootId,
    string KernelVersion,
    string OsImage,
    string Architecture,
    string Hostname)
{
    public static MachineInfo Read(string dataDir)
    {
        var machineId = ReadFirstLine("/etc/machine-id");
        return new MachineInfo(
            Environment.ProcessorCount,
            MemTotalBytes(),
            FilesystemSize(dataDir),
            machineId,
            ReadFirstLine("/sys/class/dmi/id/product_uuid") is { Length: > 0 } uuid ? uuid : machineId,
            ReadFirstLine("/proc/sys/kernel/random/boot_id"),
            ReadFirstLine("/proc/sys/kernel/osrelease") is { Length: > 0 } kernel ? kernel : Environment.OSVersion.Version.ToString(),
            ReadOsImage(),
            Arch(),
            Environment.MachineName.ToLowerInvariant());
    }

    /// <summary>Kubernetes' GOARCH names.</summary>
    public static string Arch() => RuntimeInformation.OSArchitecture switch
    {
        System.Runtime.InteropServices.Architecture.X64 => "amd64",
        System.Runtime.InteropServices.Architecture.Arm64 => "arm64",
        System.Runtime.InteropServices.Architecture.Arm => "arm",
        System.Runtime.InteropServices.Architecture.X86 => "386",
        var other => other.ToString().ToLowerInvariant(),
    };

    private static long MemTotalBytes()
    {
        foreach (var line in ReadLines("/proc/meminfo"))
        {
            // "MemTotal:       16315412 kB"
            if (line.StartsWith("MemTotal:", StringComparison.Ordinal))
            {
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length >= 2 && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var kib))
                {
                    return kib * 1024;
                }
            }
        }

        return GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
    }

    private static long FilesystemSize(string dataDir)
    {
        try
        {
            Directory.CreateDirectory(dataDir);
            return new DriveInfo(Path.GetFullPath(dataDir)).TotalSize;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return 0;
        }
    }

    private static string ReadOsImage()
    {
        foreach (var line in ReadLines("/etc/os-release"))
        {
            if (line.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))
            {
                return line["PRETTY_NAME=".Length..].Trim('"');
            }
        }

        return RuntimeInformation.OSDescription;
    }

    private static string ReadFirstLine(string path) => ReadLines(path).FirstOrDefault()?.Trim() ?? "";

    private static IEnumerable<string> ReadLines(string path)
    {
        try
        {
            return File.ReadAllLines(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
