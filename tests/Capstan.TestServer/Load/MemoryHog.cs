namespace Capstan.TestServer.Load;

/// <summary>
/// Allocates memory and keeps it for the life of the process, touching every page so that it is resident and counts
/// against a cgroup memory limit (what OOM-kill tests need).
/// </summary>
internal sealed class MemoryHog
{
    private const int ChunkBytes = 1024 * 1024;
    private const int PageBytes = 4096;
    private readonly List<byte[]> _chunks = [];
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
            // Pinned chunks live outside the compacting heap: the GC never copies them, and uninitialised ones are
            // untouched pages until written.
            var chunk = GC.AllocateUninitializedArray<byte>(ChunkBytes, pinned: true);
            for (var offset = 0; offset < chunk.Length; offset += PageBytes)
            {
                chunk[offset] = 1;
            }

            lock (_lock)
            {
                _chunks.Add(chunk);
            }
        }

        return HeldMiB;
    }
}
