namespace Capstan.Agent.Runtime;

/// <summary>
/// The image half of a runtime, shaped like the CRI v1 ImageService. Only runtimes that run images have one: the process
/// runtime runs host binaries and the fake runtime runs nothing, so for them <see cref="IContainerRuntime.Images"/> is null
/// and the agent skips pulling (imagePullPolicy has nothing to act on).
/// </summary>
public interface IImageService
{
    /// <summary>Null when the image is not present.</summary>
    Task<ImageInfo?> ImageStatusAsync(string image, CancellationToken ct);

    /// <summary>Pulls the image and returns its reference (the image id the runtime resolved); throws <see cref="ImagePullException"/> when the pull fails.</summary>
    Task<string> PullImageAsync(string image, RegistryAuth? auth, CancellationToken ct);

    Task<IReadOnlyList<ImageInfo>> ListImagesAsync(CancellationToken ct);

    Task RemoveImageAsync(string image, CancellationToken ct);

    /// <summary>The filesystem the images live on and how much of it they use (image garbage collection compares it with the disk's thresholds).</summary>
    Task<ImageFsUsage> ImageFsUsageAsync(CancellationToken ct);
}

/// <param name="Id">The image id (sha256:...), reported as the container status' imageID.</param>
public sealed record ImageInfo(string Id, IReadOnlyList<string> RepoTags, IReadOnlyList<string> RepoDigests, ulong SizeBytes);

/// <summary>Credentials for one registry, from a pod's imagePullSecrets (kubernetes.io/dockerconfigjson).</summary>
public sealed record RegistryAuth(string? Username, string? Password, string? Auth, string? ServerAddress, string? IdentityToken);

public sealed record ImageFsUsage(string Mountpoint, ulong UsedBytes);

/// <summary>An image could not be pulled (not found, unauthorized, registry unreachable); the agent reports ErrImagePull and backs off.</summary>
public sealed class ImagePullException : Exception
{
    public ImagePullException()
    {
    }

    public ImagePullException(string message)
        : base(message)
    {
    }

    public ImagePullException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
