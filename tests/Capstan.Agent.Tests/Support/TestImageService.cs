using System.Collections.Concurrent;
using Capstan.Agent.Runtime;

namespace Capstan.Agent.Tests.Support;

/// <summary>An in-memory image store: images are present once added or pulled; <see cref="FailPull"/> makes pulls fail.</summary>
public sealed class TestImageService : IImageService
{
    private readonly ConcurrentDictionary<string, ImageInfo> _images = new(StringComparer.Ordinal);

    /// <summary>When it returns a message for an image, pulling it fails with that message.</summary>
    public Func<string, string?> FailPull { get; set; } = _ => null;

    public ConcurrentQueue<(string Image, RegistryAuth? Auth)> Pulls { get; } = new();

    public ConcurrentDictionary<string, DateTimeOffset> Removed { get; } = new(StringComparer.Ordinal);

    public ulong UsedBytes { get; set; }

    public static string IdOf(string image) => "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(image)));

    public void Add(string image, ulong size = 1000) => _images[image] = new ImageInfo(IdOf(image), [image], [], size);

    public Task<ImageInfo?> ImageStatusAsync(string image, CancellationToken ct) =>
        Task.FromResult(_images.TryGetValue(image, out var info) ? info : _images.Values.FirstOrDefault(i => i.Id == image));

    public Task<string> PullImageAsync(string image, RegistryAuth? auth, CancellationToken ct)
    {
        Pulls.Enqueue((image, auth));
        if (FailPull(image) is { } message)
        {
            throw new ImagePullException(message);
        }

        Add(image);
        return Task.FromResult(IdOf(image));
    }

    public Task<IReadOnlyList<ImageInfo>> ListImagesAsync(CancellationToken ct) => Task.FromResult<IReadOnlyList<ImageInfo>>([.. _images.Values]);

    public Task RemoveImageAsync(string image, CancellationToken ct)
    {
        foreach (var (name, info) in _images)
        {
            if (name == image || info.Id == image)
            {
                _images.TryRemove(name, out _);
                Removed[info.Id] = DateTimeOffset.UtcNow;
            }
        }

        return Task.CompletedTask;
    }

    public Task<ImageFsUsage> ImageFsUsageAsync(CancellationToken ct) => Task.FromResult(new ImageFsUsage("/", UsedBytes));
}
