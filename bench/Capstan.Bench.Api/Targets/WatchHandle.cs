namespace Capstan.Bench.Api.Targets;

/// <summary>Ends a watch: cancels its reader loop, waits for it, then disposes what it read from.</summary>
public sealed class WatchHandle(CancellationTokenSource stop, Task reader, IReadOnlyList<IDisposable> resources) : IAsyncDisposable
{
    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync().ConfigureAwait(false);
        foreach (var r in resources)
        {
            r.Dispose();
        }

        try
        {
            await reader.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException or TimeoutException or Grpc.Core.RpcException or HttpRequestException)
        {
        }

        stop.Dispose();
    }
}
