using System.Text;
using Capstan.Agent.Env;
using k8s.Autorest;
using k8s.Models;

namespace Capstan.Agent.Volumes.Config;

/// <summary>The file content of a projected <c>serviceAccountToken</c> source; a refused TokenRequest is a mount failure.</summary>
internal static class ProjectedToken
{
    public const long DefaultExpirationSeconds = 3600;

    public static async Task<byte[]> ReadAsync(IConfigSource config, V1Pod pod, string volume, V1ServiceAccountTokenProjection source, CancellationToken ct)
    {
        try
        {
            var token = await config.ServiceAccountTokenAsync(pod, source.Audience, source.ExpirationSeconds ?? DefaultExpirationSeconds, ct).ConfigureAwait(false);
            return Encoding.UTF8.GetBytes(token);
        }
        catch (HttpOperationException ex)
        {
            var reason = string.IsNullOrEmpty(ex.Response?.Content) ? ex.Message : ex.Response.Content;
            throw new VolumeSetupException(volume, $"MountVolume.SetUp failed for volume \"{volume}\" : failed to fetch token: {reason}");
        }
    }
}
