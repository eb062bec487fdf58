using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Capstan.Agent.Runtime;
using k8s.Models;

namespace Capstan.Agent.Images;

/// <summary>
/// The kubelet's image manager for one node: applies a container's imagePullPolicy before it is created, pulls through
/// the runtime's image service with the pod's registry credentials, and backs off failed pulls per pod and image (10 s
/// doubling to 300 s), reporting ErrImagePull on a failed attempt and ImagePullBackOff while waiting for the next one.
/// It also remembers when each image was last used, for image garbage collection.
/// </summary>
/// <param name="credentials">The pod's imagePullSecrets as a keyring (read only when a pull is needed).</param>
internal sealed class ImagePuller(
    IImageService images,
    Func<V1Pod, CancellationToken, Task<DockerKeyring>> credentials,
    TimeProvider time,
    TimeSpan? initialBackOff = null,
    TimeSpan? maxBackOff = null)
{
    private readonly TimeSpan _initial = initialBackOff ?? TimeSpan.FromSeconds(10);
    private readonly TimeSpan _max = maxBackOff ?? TimeSpan.FromSeconds(300);
    private readonly ConcurrentDictionary<string, (TimeSpan Delay, DateTimeOffset Until)> _backOff = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _lastUsed = new(StringComparer.Ordinal);

    public IImageService Images => images;

    /// <summary>When each image id was last ensured for a container (image GC removes the least recently used first).</summary>
    public IReadOnlyDictionary<string, DateTimeOffset> LastUsed => _lastUsed;

    /// <param name="report">Receives the events (type, reason, message) the kubelet records on the pod for this container.</param>
    public async Task<ImagePullResult> EnsureAsync(V1Pod pod, V1Container container, Action<string, string, string> report, CancellationToken ct)
    {
        var image = container.Image ?? "";
        if (string.IsNullOrWhiteSpace(image) || image.Any(char.IsWhiteSpace))
        {
            var message = $"Failed to apply default image tag \"{image}\": couldn't parse image name \"{image}\": invalid reference format";
            report("Warning", ImagePullResult.InvalidImageName, message);
            return ImagePullResult.Waiting(ImagePullResult.InvalidImageName, message, null);
        }

        var policy = PullPolicy.Of(container);
        if (policy != PullPolicy.Always)
        {
            var present = await images.ImageStatusAsync(image, ct).ConfigureAwait(false);
            if (present is not null)
            {
                report("Normal", "Pulled", $"Container image \"{image}\" already present on machine");
                return Used(present.Id);
            }

            if (policy == PullPolicy.Never)
            {
                var message = $"Container image \"{image}\" is not present with pull policy of Never";
                report("Warning", ImagePullResult.ErrImageNeverPull, message);
                return ImagePullResult.Waiting(ImagePullResult.ErrImageNeverPull, message, null);
            }
        }

        var key = $"{pod.Metadata.Uid}_{image}";
        var now = time.GetUtcNow();
        if (_backOff.TryGetValue(key, out var backOff) && now < backOff.Until)
        {
            var message = $"Back-off pulling image \"{image}\"";
            report("Normal", "BackOff", message);
            return ImagePullResult.Waiting(ImagePullResult.ImagePullBackOff, message, backOff.Until - now);
        }

        report("Normal", "Pulling", $"Pulling image \"{image}\"");
        var started = Stopwatch.GetTimestamp();
        try
        {
            var keyring = await credentials(pod, ct).ConfigureAwait(false);
            var imageRef = await images.PullImageAsync(image, keyring.Find(image), ct).ConfigureAwait(false);
            _backOff.TryRemove(key, out _);
            var took = Stopwatch.GetElapsedTime(started).TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
            var size = (await images.ImageStatusAsync(imageRef, ct).ConfigureAwait(false))?.SizeBytes;
            report("Normal", "Pulled", $"Successfully pulled image \"{image}\" in {took}s ({took}s including waiting)."
                + (size is { } bytes ? $" Image size: {bytes} bytes." : ""));
            return Used(imageRef);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            var delay = backOff.Delay == TimeSpan.Zero ? _initial : TimeSpan.FromTicks(Math.Min(backOff.Delay.Ticks * 2, _max.Ticks));
            _backOff[key] = (delay, time.GetUtcNow() + delay);
            var message = $"Failed to pull image \"{image}\": {ex.Message}";
            report("Warning", "Failed", message);
            report("Warning", "Failed", $"Error: {ImagePullResult.ErrImagePull}");
            return ImagePullResult.Waiting(ImagePullResult.ErrImagePull, message, delay);
        }
    }

    /// <summary>Drops the back-off of a pod that is gone.</summary>
    public void Forget(string podUid)
    {
        foreach (var key in _backOff.Keys.Where(k => k.StartsWith(podUid + "_", StringComparison.Ordinal)))
        {
            _backOff.TryRemove(key, out _);
        }
    }

    private ImagePullResult Used(string imageRef)
    {
        _lastUsed[imageRef] = time.GetUtcNow();
        return ImagePullResult.Ready(imageRef);
    }
}
