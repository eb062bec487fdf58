using Capstan.Agent.Runtime;

namespace Capstan.Agent.Images;

/// <summary>
/// The kubelet's image garbage collection: when the disk holding the images is fuller than the high threshold, unused
/// images are removed, least recently used first, until it is down to the low threshold. An image is in use while any
/// container (running or exited, until removed) was created from it; images seen for less than <c>minAge</c>, and the
/// sandbox ("pause") image, are never removed.
/// </summary>
/// <param name="disk">Capacity and available bytes of the filesystem at a mount point (tests replace it).</param>
internal sealed class ImageGarbageCollector(
    IContainerRuntime runtime,
    IImageService images,
    ImagePuller? puller,
    int highThresholdPercent,
    int lowThresholdPercent,
    TimeProvider time,
    TimeSpan? minAge = null,
    Func<string, (ulong Capacity, ulong Available)>? disk = null)
{
    private readonly TimeSpan _minAge = minAge ?? TimeSpan.FromMinutes(2);
    private readonly Func<string, (ulong Capacity, ulong Available)> _disk = disk ?? DiskOf;
    private readonly Dictionary<string, DateTimeOffset> _firstSeen = new(StringComparer.Ordinal);

    /// <summary>One pass; returns the ids of the images it removed.</summary>
    public async Task<IReadOnlyList<string>> CollectAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var all = await images.ListImagesAsync(ct).ConfigureAwait(false);
        foreach (var image in all)
        {
            _firstSeen.TryAdd(image.Id, now);
        }

        foreach (var gone in _firstSeen.Keys.Except(all.Select(i => i.Id)).ToList())
        {
            _firstSeen.Remove(gone);
        }

        var usage = await images.ImageFsUsageAsync(ct).ConfigureAwait(false);
        var (capacity, available) = _disk(usage.Mountpoint);
        if (capacity == 0 || (capacity - available) * 100 <= (ulong)highThresholdPercent * capacity)
        {
            return [];
        }

        var toFree = (long)((capacity - available) - (capacity * (ulong)lowThresholdPercent / 100));
        var inUse = new HashSet<string>(StringComparer.Ordinal);
        foreach (var container in await runtime.ListContainersAsync(null, ct).ConfigureAwait(false))
        {
            inUse.Add(container.Image);
            if (container.ImageRef is { } imageRef)
            {
                inUse.Add(imageRef);
            }
        }

        var candidates = all
            .Where(i => !inUse.Contains(i.Id) && !i.RepoTags.Any(inUse.Contains) && !i.RepoDigests.Any(inUse.Contains) && !IsSandboxImage(i))
            .Select(i => (Image: i, LastUsed: puller?.LastUsed.GetValueOrDefault(i.Id) is { } used && used != default ? used : _firstSeen[i.Id]))
            .Where(c => now - c.LastUsed >= _minAge && now - _firstSeen[c.Image.Id] >= _minAge)
            .OrderBy(c => c.LastUsed)
            .ToList();
        var removed = new List<string>();
        foreach (var (image, _) in candidates)
        {
            if (toFree <= 0)
            {
                break;
            }

            await images.RemoveImageAsync(image.Id, ct).ConfigureAwait(false);
            removed.Add(image.Id);
            toFree -= (long)image.SizeBytes;
        }

        return removed;
    }

    /// <summary>The kubelet pins the sandbox image; Capstan recognizes it by its conventional name.</summary>
    private static bool IsSandboxImage(ImageInfo image) =>
        image.RepoTags.Any(t => t.StartsWith("pause:", StringComparison.Ordinal) || t.Contains("/pause:", StringComparison.Ordinal));

    private static (ulong Capacity, ulong Available) DiskOf(string mountpoint)
    {
        try
        {
            var drive = new DriveInfo(string.IsNullOrEmpty(mountpoint) ? "/" : mountpoint);
            return ((ulong)drive.TotalSize, (ulong)drive.AvailableFreeSpace);
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or UnauthorizedAccessException)
        {
            return (0, 0);
        }
    }
}
