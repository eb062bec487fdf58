using System.Diagnostics;
using System.Net.Http;

namespace Capstan.Bench.Api.Processes;

/// <summary>Polls a health URL until its body says ready, timing from a given start timestamp.</summary>
public static class ReadinessProbe
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(5);

    /// <summary>
    /// A client for probing only: it skips server certificate checks, because a fresh Capstan writes its CA
    /// only while starting and the probe must not wait for the file. Loopback only.
    /// </summary>
    public static HttpClient CreateClient() => new(new SocketsHttpHandler
    {
        ConnectTimeout = TimeSpan.FromSeconds(1),
        PooledConnectionLifetime = TimeSpan.FromSeconds(1),
        SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true },
    })
    {
        Timeout = TimeSpan.FromSeconds(2),
    };

    /// <returns>Time from <paramref name="startedAt"/> (a Stopwatch timestamp) until ready.</returns>
    public static async Task<TimeSpan> WaitAsync(
        HttpClient client, Uri url, Func<string, bool> isReady, long startedAt, ChildProcess process, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"process exited before it was ready; its last output:\n{process.Tail()}");
            }

            try
            {
                using var response = await client.GetAsync(url, ct).ConfigureAwait(false);
                var body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
                if (response.IsSuccessStatusCode && isReady(body))
                {
                    return Stopwatch.GetElapsedTime(startedAt);
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
            }

            await Task.Delay(PollInterval, ct).ConfigureAwait(false);
        }

        throw new TimeoutException($"{url} not ready after {timeout.TotalSeconds} s; last output:\n{process.Tail()}");
    }
}
