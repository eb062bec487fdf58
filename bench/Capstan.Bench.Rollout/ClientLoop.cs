using System.Diagnostics;

namespace Capstan.Bench.Rollout;

/// <summary>
/// A client through a Service's ClusterIP: GET /hostname on a new connection each time (so the service proxy picks a
/// backend per request, as a fleet of short-lived clients would), counting answers and failures until stopped.
/// </summary>
public sealed class ClientLoop
{
    private static readonly HttpClient Http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero }) { Timeout = TimeSpan.FromSeconds(5) };
    private long _ok;
    private long _failed;

    public long Ok => Interlocked.Read(ref _ok);

    public long Failed => Interlocked.Read(ref _failed);

    public List<string> FailureSamples { get; } = [];

    /// <summary>Runs until <paramref name="stop"/> is cancelled, with <paramref name="concurrency"/> requests in flight.</summary>
    public async Task RunAsync(string url, int concurrency, CancellationToken stop)
    {
        var workers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Get, url);
                    request.Headers.ConnectionClose = true;
                    using var response = await Http.SendAsync(request, CancellationToken.None).ConfigureAwait(false);
                    if (response.IsSuccessStatusCode)
                    {
                        Interlocked.Increment(ref _ok);
                    }
                    else
                    {
                        Fail($"HTTP {(int)response.StatusCode}");
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    Fail(ex.Message);
                }
            }
        }));
        await Task.WhenAll(workers).ConfigureAwait(false);
    }

    private void Fail(string why)
    {
        Interlocked.Increment(ref _failed);
        lock (FailureSamples)
        {
            if (FailureSamples.Count < 5)
            {
                FailureSamples.Add($"{Stopwatch.GetTimestamp()}: {why}");
            }
        }
    }
}
