using System.Net.WebSockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using Capstan.Agent.Runtime;

namespace Capstan.Agent.Streaming;

/// <summary>
/// Pumps one exec or attach between a WebSocket (channel protocol v4 or v5) and the runtime's stream session:
/// stdin and resize messages in, stdout and stderr out, and at the end the exit status on the error channel.
/// </summary>
internal sealed class RemoteCommandSession
{
    private readonly WebSocket _socket;
    private readonly string _protocol;
    private readonly SemaphoreSlim _sendLock = new(1, 1);

    public RemoteCommandSession(WebSocket socket, string protocol)
    {
        _socket = socket;
        _protocol = protocol;
    }

    /// <summary>
    /// Runs until the command (or attached container) ends or the client leaves. <paramref name="start"/> opens the
    /// runtime session once the socket is up; its failure is reported on the error channel.
    /// </summary>
    /// <param name="command">For the NonZeroExitCode message; null for attach, whose end is reported as Success.</param>
    public async Task RunAsync(Func<CancellationToken, Task<IStreamSession>> start, IReadOnlyList<string>? command, CancellationToken ct)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        IStreamSession session;
        try
        {
            session = await start(stop.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await FinishAsync(ExecStatus.Failure(500, "InternalError", ex.Message), stop.Token).ConfigureAwait(false);
            await AwaitCloseAsync(DrainAsync(stop.Token), stop).ConfigureAwait(false);
            return;
        }

        await using (session.ConfigureAwait(false))
        {
            var receive = ReceiveAsync(session, stop.Token);
            var stdout = PumpAsync(session.Stdout, RemoteCommandProtocol.Stdout, stop.Token);
            var stderr = PumpAsync(session.Stderr, RemoteCommandProtocol.Stderr, stop.Token);
            var first = await Task.WhenAny(session.Completion, receive).ConfigureAwait(false);
            if (first == receive)
            {
                // The client went away: disposing the session ends the command (exec) or detaches (attach).
                await stop.CancelAsync().ConfigureAwait(false);
                await IgnoreAsync(stdout, stderr).ConfigureAwait(false);
                await AnswerCloseAsync().ConfigureAwait(false);
                return;
            }

            var exitCode = await session.Completion.ConfigureAwait(false);

            // Output the command wrote before exiting is still in the pipes; a background child holding them open
            // must not keep the session alive, hence the bound.
            await Task.WhenAny(Task.WhenAll(stdout, stderr), Task.Delay(TimeSpan.FromSeconds(2), stop.Token)).ConfigureAwait(false);
            var status = command is null || exitCode == 0 ? ExecStatus.Success() : ExecStatus.NonZeroExit(command, exitCode);
            await FinishAsync(status, stop.Token).ConfigureAwait(false);
            await AwaitCloseAsync(receive, stop).ConfigureAwait(false);
            await IgnoreAsync(stdout, stderr, receive).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Gives the client a moment to answer the close frame: a connection torn down before that is reset, and a reset
    /// makes the client's kernel drop what it has not read yet (the output and the exit status).
    /// </summary>
    private static async Task AwaitCloseAsync(Task receive, CancellationTokenSource stop)
    {
        await Task.WhenAny(receive, Task.Delay(TimeSpan.FromSeconds(5), stop.Token)).ConfigureAwait(false);
        await stop.CancelAsync().ConfigureAwait(false);
    }

    private async Task AnswerCloseAsync()
    {
        if (_socket.State != WebSocketState.CloseReceived)
        {
            return;
        }

        try
        {
            using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, bound.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or IOException or ObjectDisposedException)
        {
        }
    }

    private async Task DrainAsync(CancellationToken ct)
    {
        var buffer = new byte[4096];
        try
        {
            while ((await _socket.ReceiveAsync(buffer.AsMemory(), ct).ConfigureAwait(false)).MessageType != WebSocketMessageType.Close)
            {
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or IOException)
        {
        }
    }

    private static async Task IgnoreAsync(params Task[] tasks)
    {
        try
        {
            await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or IOException or ObjectDisposedException)
        {
        }
    }

    private async Task FinishAsync(JsonObject status, CancellationToken ct)
    {
        try
        {
            await SendAsync(RemoteCommandProtocol.Error, JsonSerializer.SerializeToUtf8Bytes(status), ct).ConfigureAwait(false);
            using var bound = CancellationTokenSource.CreateLinkedTokenSource(ct);
            bound.CancelAfter(TimeSpan.FromSeconds(5));
            await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, bound.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or IOException or ObjectDisposedException)
        {
        }
    }

    private async Task PumpAsync(Stream? source, byte channel, CancellationToken ct)
    {
        if (source is null)
        {
            return;
        }

        var buffer = new byte[32 * 1024];
        buffer[0] = channel;
        while (true)
        {
            var read = await source.ReadAsync(buffer.AsMemory(1), ct).ConfigureAwait(false);
            if (read == 0)
            {
                return;
            }

            await SendAsync(buffer.AsMemory(0, read + 1), ct).ConfigureAwait(false);
        }
    }

    private Task SendAsync(byte channel, byte[] payload, CancellationToken ct) =>
        SendAsync(RemoteCommandProtocol.Frame(channel, payload), ct);

    private async Task SendAsync(ReadOnlyMemory<byte> message, CancellationToken ct)
    {
        await _sendLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            await _socket.SendAsync(message, WebSocketMessageType.Binary, endOfMessage: true, ct).ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>Reads client messages until the client closes; stdin goes to the session, resizes to the terminal.</summary>
    private async Task ReceiveAsync(IStreamSession session, CancellationToken ct)
    {
        var buffer = new byte[32 * 1024];
        var message = new MemoryStream();
        try
        {
            while (true)
            {
                var result = await _socket.ReceiveAsync(buffer.AsMemory(), ct).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                message.Write(buffer, 0, result.Count);
                if (!result.EndOfMessage)
                {
                    continue;
                }

                var bytes = message.GetBuffer().AsMemory(0, (int)message.Length);
                await DispatchAsync(session, bytes, ct).ConfigureAwait(false);
                message.SetLength(0);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or IOException)
        {
            // The connection dropped: same as a close.
        }
    }

    private async Task DispatchAsync(IStreamSession session, ReadOnlyMemory<byte> message, CancellationToken ct)
    {
        if (message.Length == 0)
        {
            return;
        }

        if (RemoteCommandProtocol.IsCloseSignal(_protocol, message.Span, out var closed))
        {
            if (closed == RemoteCommandProtocol.Stdin && session.Stdin is { } toClose)
            {
                await toClose.DisposeAsync().ConfigureAwait(false);
            }

            return;
        }

        var payload = message[1..];
        switch (message.Span[0])
        {
            case RemoteCommandProtocol.Stdin when session.Stdin is { } stdin && payload.Length > 0:
                try
                {
                    await stdin.WriteAsync(payload, ct).ConfigureAwait(false);
                    await stdin.FlushAsync(ct).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is IOException or ObjectDisposedException)
                {
                    // The command closed its stdin or exited; what the client still types goes nowhere, as with a pipe.
                }

                break;
            case RemoteCommandProtocol.Resize:
                foreach (var size in ParseSizes(payload.Span))
                {
                    session.Resize(size.Width, size.Height);
                }

                break;
        }
    }

    /// <summary>One or more <c>{"Width":w,"Height":h}</c> documents (client-go writes them with a JSON encoder, newline after each).</summary>
    internal static List<(ushort Width, ushort Height)> ParseSizes(ReadOnlySpan<byte> payload)
    {
        var sizes = new List<(ushort, ushort)>();
        var reader = new Utf8JsonReader(payload, new JsonReaderOptions { AllowMultipleValues = true });
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    continue;
                }

                ushort width = 0, height = 0;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                {
                    if (reader.TokenType != JsonTokenType.PropertyName)
                    {
                        continue;
                    }

                    var name = reader.GetString();
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.Number && reader.TryGetUInt16(out var value))
                    {
                        if (string.Equals(name, "Width", StringComparison.OrdinalIgnoreCase))
                        {
                            width = value;
                        }
                        else if (string.Equals(name, "Height", StringComparison.OrdinalIgnoreCase))
                        {
                            height = value;
                        }
                    }
                }

                sizes.Add((width, height));
            }
        }
        catch (JsonException)
        {
            // A malformed resize is dropped, as the kubelet does.
        }

        return sizes;
    }
}
