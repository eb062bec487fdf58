using Microsoft.Extensions.Logging;

namespace Capstan.ApiServer.Security;

/// <summary>
/// Calls <see cref="ClusterPki.Refresh"/> every <c>checkInterval</c> while the server runs, so that leaf certificates are
/// renewed before they lapse (and files written by <c>capstan certificate rotate</c> are adopted) without a restart.
/// </summary>
public sealed class CertificateRotator : IAsyncDisposable
{
    /// <summary>One check a minute: renewal starts months before expiry, and a forced rotation shows within a minute.</summary>
    public static readonly TimeSpan DefaultCheckInterval = TimeSpan.FromMinutes(1);

    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    private CertificateRotator(ClusterPki pki, TimeSpan checkInterval, ILogger logger)
    {
        _loop = RunAsync(pki, checkInterval, logger, _stop.Token);
    }

    public static CertificateRotator Start(ClusterPki pki, TimeSpan checkInterval, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(pki);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(checkInterval, TimeSpan.Zero);
        return new CertificateRotator(pki, checkInterval, logger);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private static async Task RunAsync(ClusterPki pki, TimeSpan checkInterval, ILogger logger, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            await Task.Delay(checkInterval, pki.TimeProvider, ct).ConfigureAwait(false);
            try
            {
                var changed = pki.Refresh();
                if (changed.Count > 0)
                {
                    logger.LogInformation("Renewed certificates {Files}; the serving certificate {Serving} is valid until {NotAfter:O}",
                        string.Join(", ", changed), pki.ServingCertificate.Thumbprint, pki.ServingCertificate.NotAfter.ToUniversalTime());
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
            {
                // A full disk or a broken file must not stop the server; the current certificates stay in use and the next check retries.
                logger.LogWarning(ex, "Certificate renewal failed; retrying in {Interval}", checkInterval);
            }
        }
    }
}
