using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Capstan.Agent.Runtime;
using Capstan.Agent.Streaming.Spdy;

namespace Capstan.Agent.Streaming;

/// <summary>
/// Exec and attach over SPDY/3.1, the fallback kubectl uses when the WebSocket upgrade is refused (and what clients
/// before kubectl 1.30 speak): the client opens one stream per channel (headers <c>streamType</c> error, stdin,
/// stdout, stderr, resize); stdin ends with the stream's FIN; at the end the server writes the v4 exit Status on the
/// error stream and finishes every stream.
/// </summary>
internal sealed class SpdyRemoteCommandSession
{
    /// <summary>The versions served over SPDY, most preferred first (v4 and later carry the Status on the error stream).</summary>
    public static readonly IReadOnlyList<string> Versions = [RemoteCommandProtocol.V4];

    private readonly SpdyConnection _connection;
    private readonly HashSet<string> _expected;
    private readonly Dictionary<string, uint> _streams = new(StringComparer.Ordinal);
    private readonly Channel<byte[]?> _stdin = Channel.CreateUnbounded<byte[]?>();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IStreamSession? _session;

    public SpdyRemoteCommandSession(SpdyConnection connection, bool stdin, bool stdout, bool stderr, bool tty)
    {
        _connection = connection;
        _expected = ["error"];
        if (stdin)
        {
            _expected.Add("stdin");
        }

        if (stdout)
        {
            _expected.Add("stdout");
        }

        if (stderr && !tty)
        {
            _expected.Add("stderr");
        }

        if (tty)
        {
            _expected.Add("resize");
        }
    }

    public async Task RunAsync(Func<CancellationToken, Task<IStreamSession>> start, IReadOnlyList<string>? command, CancellationToken ct)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var reader = ReadAsync(stop.Token);

        // kubelet waits a bounded time for the client's streams before it gives up.
        var ready = await Task.WhenAny(_ready.Task, reader, Task.Delay(TimeSpan.FromSeconds(30), stop.Token)).ConfigureAwait(false);
        if (ready != _ready.Task)
        {
            await stop.CancelAsync().ConfigureAwait(false);
            return;
        }

        JsonObject status;
        try
        {
            _session = await start(stop.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await FinishAsync(ExecStatus.Failure(500, "InternalError", ex.Message), stop.Token).ConfigureAwait(false);
            await stop.CancelAsync().ConfigureAwait(false);
            return;
        }

        await using (_session.ConfigureAwait(false))
        {
            var stdin = PumpStdinAsync(_session, stop.Token);
            var stdout = PumpAsync(_session.Stdout, "stdout", stop.Token);
            var stderr = PumpAsync(_session.Stderr, "stderr", stop.Token);
            if (await Task.WhenAny(_session.Completion, reader).ConfigureAwait(false) == reader)
            {
                // The client went away.
                await stop.CancelAsync().ConfigureAwait(false);
                return;
            }

            var exitCode = await _session.Completion.ConfigureAwait(false);
            await Task.WhenAny(Task.WhenAll(stdout, stderr), Task.Delay(TimeSpan.FromSeconds(2), stop.Token)).ConfigureAwait(false);
            status = command is null || exitCode == 0 ? ExecStatus.Success() : ExecStatus.NonZeroExit(command, exitCode);
            await FinishAsync(status, stop.Token).ConfigureAwait(false);

            // The client closes the connection once it has read everything.
            await Task.WhenAny(reader, Task.Delay(TimeSpan.FromSeconds(5), stop.Token)).ConfigureAwait(false);
            await stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await Task.WhenAll(stdin, stdout, stderr).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException)
            {
            }
        }
    }

    private async Task FinishAsync(JsonObject status, CancellationToken ct)
    {
        try
        {
            if (_streams.TryGetValue("error", out var error))
            {
                await _connection.SendDataAsync(error, JsonSerializer.SerializeToUtf8Bytes(status), fin: true, ct).ConfigureAwait(false);
            }

            foreach (var name in new[] { "stdout", "stderr" })
            {
                if (_streams.TryGetValue(name, out var id))
                {
                    await _connection.SendDataAsync(id, ReadOnlyMemory<byte>.Empty, fin: true, ct).ConfigureAwait(false);
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException)
        {
        }
    }

    private async Task PumpAsync(Stream? source, string name, CancellationToken ct)
    {
        if (source is null || !_streams.TryGetValue(name, out var id))
        {
            return;
        }

        var buffer = new byte[SpdyConnection.MaxDataFrame];
        int read;
        while ((read = await source.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
        {
            await _connection.SendDataAsync(id, buffer.AsMemory(0, read), fin: false, ct).ConfigureAwait(false);
        }
    }

    private async Task PumpStdinAsync(IStreamSession session, CancellationToken ct)
    {
        await foreach (var chunk in _stdin.Reader.ReadAllAsync(ct).ConfigureAwait(false))
        {
            if (session.Stdin is not { } stdin)
            {
                continue;
            }

            try
            {
                if (chunk is null)
                {
                    await stdin.DisposeAsync().ConfigureAwait(false);
                    return;
                }

                await stdin.WriteAsync(chunk, ct).ConfigureAwait(false);
                await stdin.FlushAsync(ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException)
            {
            }
        }
    }

    /// <summary>The frame loop: stream creation, stdin and resize data, pings; ends when the client closes.</summary>
    private async Task ReadAsync(CancellationToken ct)
    {
        try
        {
            while (await _connection.ReadFrameAsync(ct).ConfigureAwait(false) is { } frame)
            {
                if (!frame.IsControl)
                {
                    OnData(frame);
                    continue;
                }

                switch (frame.Type)
                {
                    case SpdyFrameType.SynStream:
                        var headers = _connection.SynStreamHeaders(frame);
                        var type = headers.FirstOrDefault(h => string.Equals(h.Key, "streamType", StringComparison.OrdinalIgnoreCase)).Value ?? "";
                        await _connection.SendSynReplyAsync(frame.StreamId, ct).ConfigureAwait(false);
                        _streams[type] = frame.StreamId;
                        if (_expected.All(_streams.ContainsKey))
                        {
                            _ready.TrySetResult();
                        }

                        break;
                    case SpdyFrameType.Ping:
                        await _connection.SendPingAsync(frame.Payload, ct).ConfigureAwait(false);
                        break;
                    case SpdyFrameType.GoAway:
                        return;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or ObjectDisposedException)
        {
        }
        finally
        {
            _stdin.Writer.TryComplete();
        }
    }

    private void OnData(SpdyFrame frame)
    {
        if (_streams.TryGetValue("stdin", out var stdin) && frame.StreamId == stdin)
        {
            if (frame.Payload.Length > 0)
            {
                _stdin.Writer.TryWrite(frame.Payload);
            }

            if (frame.Fin)
            {
                _stdin.Writer.TryWrite(null);
            }
        }
        else if (_streams.TryGetValue("resize", out var resize) && frame.StreamId == resize && _session is { } session)
        {
            foreach (var (width, height) in RemoteCommandSession.ParseSizes(frame.Payload))
            {
                session.Resize(width, height);
            }
        }
    }
}
