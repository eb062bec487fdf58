using System.Runtime.InteropServices;

namespace Capstan.TestServer.Load;

/// <summary>
/// Allocates memory and keeps it for the life of the process, touching every page so that it is resident and counts
/// against a cgroup memory limit. Native memory, not managed arrays: the GC caps its heap below a cgroup limit and
/// would throw OutOfMemoryException, where OOM tests need the kernel's OOM killer to end the process.
/// </summary>
internal sealed class MemoryHog
{
    private const int ChunkBytes = 1024 * 1024;
    private const int PageBytes = 4096;
    private readonly List<nint> _chunks = [];
    private readonly Lock _lock = new();

    public int HeldMiB
    {
        get
        {
            lock (_lock)
            {
                return _chunks.Count;
            }
        }
    }

    /// <summary>Allocates <paramref name="mebibytes"/> more MiB; returns the total held.</summary>
    public int Allocate(int mebibytes)
    {
        for (var i = 0; i < mebibytes; i++)
        {
            var chunk = Marshal.AllocHGlobal(ChunkBytes);
            for (var offset = 0; offset < ChunkBytes; offset += PageBytes)
            {
                Marshal.WriteByte(chunk, offset, 1);
            }

            lock (_lock)
            {
                _chunks.Add(chunk);
            }
        }

        return HeldMiB;
    }
}
