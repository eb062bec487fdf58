using System.Net.WebSockets;

namespace Capstan.ApiServer.Streaming;

/// <summary>Copies WebSocket messages both ways, unchanged, until both sides have closed or either fails.</summary>
internal static class WebSocketRelay
{
    public static async Task RunAsync(WebSocket client, WebSocket backend, CancellationToken ct)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var up = PumpAsync(client, backend, stop.Token);
        var down = PumpAsync(backend, client, stop.Token);

        // Whichever side closes first, the other gets a moment to answer the close before the relay ends.
        var first = await Task.WhenAny(up, down).ConfigureAwait(false);
        await Task.WhenAny(first == up ? down : up, Task.Delay(TimeSpan.FromSeconds(5), stop.Token)).ConfigureAwait(false);
        await stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(up, down).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or IOException or ObjectDisposedException)
        {
        }
    }

    private static async Task PumpAsync(WebSocket from, WebSocket to, CancellationToken ct)
    {
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var result = await from.ReceiveAsync(buffer.AsMemory(), ct).ConfigureAwait(false);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                if (to.State is WebSocketState.Open or WebSocketState.CloseReceived)
                {
                    await to.CloseOutputAsync(from.CloseStatus ?? WebSocketCloseStatus.NormalClosure, from.CloseStatusDescription, ct).ConfigureAwait(false);
                }

                return;
            }

            await to.SendAsync(buffer.AsMemory(0, result.Count), result.MessageType, result.EndOfMessage, ct).ConfigureAwait(false);
        }
    }
}
