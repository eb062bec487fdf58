using System.Globalization;
using System.Runtime.InteropServices;

namespace Capstan.Agent.Eviction;

/// <summary>
/// The real machine's signals: memory from /proc/meminfo (MemAvailable of MemTotal), the node file system from statvfs
/// of the data dir. Capstan keeps images in the data dir too, so imagefs is the same file system as nodefs.
/// </summary>
public sealed class MachineSignalSource : IEvictionSignalSource
{
    private readonly string _dataDir;
    private readonly string _meminfo;

    public MachineSignalSource(string dataDir, string meminfo = "/proc/meminfo")
    {
        _dataDir = dataDir;
        _meminfo = meminfo;
    }

    public IReadOnlyDictionary<EvictionSignal, SignalObservation> Observe()
    {
        var result = new Dictionary<EvictionSignal, SignalObservation>();
        if (ReadMemory(_meminfo) is { } memory)
        {
            result[EvictionSignal.MemoryAvailable] = memory;
        }

        if (OperatingSystem.IsLinux() && StatVfs(_dataDir) is { } fs)
        {
            var blocks = new SignalObservation((long)(fs.f_bavail * fs.f_frsize), (long)(fs.f_blocks * fs.f_frsize));
            result[EvictionSignal.NodeFsAvailable] = blocks;
            result[EvictionSignal.ImageFsAvailable] = blocks;
            if (fs.f_files > 0)
            {
                result[EvictionSignal.NodeFsInodesFree] = new SignalObservation((long)fs.f_ffree, (long)fs.f_files);
            }
        }

        return result;
    }

    /// <summary>MemAvailable and MemTotal (kB in the file), or null when the file is missing or lacks them.</summary>
    public static SignalObservation? ReadMemory(string meminfo)
    {
        try
        {
            long? total = null, available = null;
            foreach (var line in File.ReadLines(meminfo))
            {
                if (line.StartsWith("MemTotal:", StringComparison.Ordinal))
                {
                    total = Kilobytes(line);
                }
                else if (line.StartsWith("MemAvailable:", StringComparison.Ordinal))
                {
                    available = Kilobytes(line);
                }
            }

            return total is { } t && available is { } a ? new SignalObservation(a, t) : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static long? Kilobytes(string line)
    {
        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length >= 2 && long.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var kb) ? kb * 1024 : null;
    }

    private static StatVfsResult? StatVfs(string path)
    {
        var dir = path;
        while (!Directory.Exists(dir) && Path.GetDirectoryName(dir) is { Length: > 0 } parent)
        {
            dir = parent;
        }

        return statvfs(dir, out var result) == 0 ? result : null;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int statvfs([MarshalAs(UnmanagedType.LPUTF8Str)] string path, out StatVfsResult buf);

    /// <summary>struct statvfs on 64-bit Linux (glibc and musl agree on this layout).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct StatVfsResult
    {
        public ulong f_bsize;
        public ulong f_frsize;
        public ulong f_blocks;
        public ulong f_bfree;
        public ulong f_bavail;
        public ulong f_files;
        public ulong f_ffree;
        public ulong f_favail;
        public ulong f_fsid;
        public ulong f_flag;
        public ulong f_namemax;
        public int f_spare0;
        public int f_spare1;
        public int f_spare2;
        public int f_spare3;
        public int f_spare4;
        public int f_spare5;
    }
}
