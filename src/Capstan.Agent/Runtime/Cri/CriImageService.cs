using Grpc.Core;
using V1 = Capstan.Agent.Runtime.Cri.V1;

namespace Capstan.Agent.Runtime.Cri;

/// <summary>The CRI v1 ImageService behind <see cref="IImageService"/>: images live in the runtime's store (containerd's k8s.io namespace).</summary>
public sealed class CriImageService : IImageService
{
    private readonly V1.ImageService.ImageServiceClient _client;
    private readonly CriRuntimeOptions _options;

    internal CriImageService(V1.ImageService.ImageServiceClient client, CriRuntimeOptions options)
    {
        _client = client;
        _options = options;
    }

    public async Task<ImageInfo?> ImageStatusAsync(string image, CancellationToken ct) =>
        await ImageAsync(image, ct).ConfigureAwait(false) is { } found ? ToInfo(found) : null;

    public async Task<string> PullImageAsync(string image, RegistryAuth? auth, CancellationToken ct)
    {
        var request = new V1.PullImageRequest { Image = new V1.ImageSpec { Image = image } };
        if (auth is not null)
        {
            request.Auth = new V1.AuthConfig
            {
                Username = auth.Username ?? "",
                Password = auth.Password ?? "",
                Auth = auth.Auth ?? "",
                ServerAddress = auth.ServerAddress ?? "",
                IdentityToken = auth.IdentityToken ?? "",
            };
        }

        try
        {
            var reply = await _client.PullImageAsync(
                request, new CallOptions(deadline: DateTime.UtcNow + _options.PullTimeout, cancellationToken: ct)).ConfigureAwait(false);
            return reply.ImageRef;
        }
        catch (RpcException e) when (e.StatusCode != StatusCode.Cancelled || !ct.IsCancellationRequested)
        {
            throw new ImagePullException($"pulling image \"{image}\": {e.Status.Detail}", e);
        }
    }

    public async Task<IReadOnlyList<ImageInfo>> ListImagesAsync(CancellationToken ct)
    {
        var reply = await _client.ListImagesAsync(new V1.ListImagesRequest(), Call(ct)).ConfigureAwait(false);
        return reply.Images.Select(ToInfo).ToList();
    }

    public async Task RemoveImageAsync(string image, CancellationToken ct)
    {
        try
        {
            await _client.RemoveImageAsync(new V1.RemoveImageRequest { Image = new V1.ImageSpec { Image = image } }, Call(ct)).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
        }
    }

    public async Task<ImageFsUsage> ImageFsUsageAsync(CancellationToken ct)
    {
        var reply = await _client.ImageFsInfoAsync(new V1.ImageFsInfoRequest(), Call(ct)).ConfigureAwait(false);
        var fs = reply.ImageFilesystems.FirstOrDefault();
        return new ImageFsUsage(fs?.FsId?.Mountpoint ?? "", fs?.UsedBytes?.Value ?? 0);
    }

    /// <summary>The runtime's record of the image (its user, for runAsNonRoot), null when absent.</summary>
    internal async Task<V1.Image?> ImageAsync(string image, CancellationToken ct)
    {
        var reply = await _client.ImageStatusAsync(
            new V1.ImageStatusRequest { Image = new V1.ImageSpec { Image = image } }, Call(ct)).ConfigureAwait(false);
        return reply.Image;
    }

    private static ImageInfo ToInfo(V1.Image image) => new(image.Id, image.RepoTags.ToList(), image.RepoDigests.ToList(), image.Size);

    private CallOptions Call(CancellationToken ct) => new(deadline: DateTime.UtcNow + _options.RequestTimeout, cancellationToken: ct);
}
