namespace Capstan.Agent.Images;

/// <summary>
/// What ensuring a container's image gave: its reference (the image id to create the container from), or the waiting
/// reason (ErrImagePull, ImagePullBackOff, ErrImageNeverPull, InvalidImageName) with its message and when to try again.
/// </summary>
public sealed record ImagePullResult(string? ImageRef, string? Reason, string? Message, TimeSpan? RetryAfter)
{
    public const string ErrImagePull = "ErrImagePull";
    public const string ImagePullBackOff = "ImagePullBackOff";
    public const string ErrImageNeverPull = "ErrImageNeverPull";
    public const string InvalidImageName = "InvalidImageName";

    public bool Ok => Reason is null;

    public static ImagePullResult Ready(string imageRef) => new(imageRef, null, null, null);

    public static ImagePullResult Waiting(string reason, string message, TimeSpan? retryAfter) => new(null, reason, message, retryAfter);
}
