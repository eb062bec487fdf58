using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace Capstan.Agent.Runtime.Cri;

/// <summary>
/// An exec or attach on the CRI runtime's streaming server, spoken as Kubernetes' websocket remote-command protocol
/// v4.channel.k8s.io: every binary message starts with its channel (0 stdin, 1 stdout, 2 stderr, 3 the final status as a
/// metav1.Status, 4 terminal size as {"Width","Height"}).
/// </summary>
internal sealed class CriStreamSession : IStreamSession
{
    public const string Protocol = "v4.channel.k8s.io";

    private const byte StdinChannel = 0;
    private const byte StdoutChannel = 1;
    private const byte StderrChannel = 2;
    private const byte ErrorChannel = 3;
    private const byte ResizeChannel = 4;

    private readonly ClientWebSocket _socket;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly CancellationTokenSource _closed = new();
    private readonly Pipe? _stdout;
    private readonly Pipe? _stderr;
    private readonly Func<Task<int>>? _attachedExit;
    private readonly MemoryStream _status = new();
    private readonly Task<int> _completion;
    private int _disposed;

    private CriStreamSession(ClientWebSocket socket, bool stdin, bool stdout, bool stderr, Func<Task<int>>? attachedExit)
    {
        _socket = socket;
        _attachedExit = attachedExit;
        _stdout = stdout ? new Pipe() : null;
        _stderr = stderr ? new Pipe() : null;
        Stdin = stdin ? new StdinStream(this) : null;
        Stdout = _stdout?.Reader.AsStream();
        Stderr = _stderr?.Reader.AsStream();
        _completion = ReceiveAsync();
    }

    public Stream? Stdin { get; }

    public Stream? Stdout { get; }

    public Stream? Stderr { get; }

    public Task<int> Completion => _completion;

    /// <param name="attachedExit">For attach: the container's exit code once the stream ends (the server's status only says the attach worked).</param>
    public static async Task<CriStreamSession> ConnectAsync(
        Uri url, bool stdin, bool stdout, bool stderr, bool tty, Func<Task<int>>? attachedExit, CancellationToken ct)
    {
        _ = tty;
        var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol(Protocol);
        socket.Options.KeepAliveInterval = TimeSpan.FromSeconds(30);
        var target = new UriBuilder(url) { Scheme = url.Scheme == "https" ? "wss" : "ws" }.Uri;
        try
        {
            await socket.ConnectAsync(target, ct).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new CriStreamSession(socket, stdin, stdout, stderr, attachedExit);
    }

    public void Resize(ushort columns, ushort rows)
    {
        var json = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{{\"Width\":{columns},\"Height\":{rows}}}"));
        _ = SendAsync(ResizeChannel, json, CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
        }

        await _closed.CancelAsync().ConfigureAwait(false);
        try
        {
            await _completion.ConfigureAwait(false);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
        }

        _socket.Dispose();
        _sendLock.Dispose();
        _closed.Dispose();
    }

    private async Task<int> ReceiveAsync()
    {
        var buffer = new byte[32 * 1024];
        var ct = _closed.Token;
        byte channel = 0;
        var atStart = true;
        try
        {
            while (true)
            {
                var result = await _socket.ReceiveAsync(buffer, ct).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                var data = buffer.AsMemory(0, result.Count);
                if (atStart && data.Length > 0)
                {
                    channel = data.Span[0];
                    data = data[1..];
                    atStart = false;
                }

                if (data.Length > 0)
                {
                    switch (channel)
                    {
                        case StdoutChannel when _stdout is not null:
                            await _stdout.Writer.WriteAsync(data, ct).ConfigureAwait(false);
                            break;
                        case StderrChannel when _stderr is not null:
                            await _stderr.Writer.WriteAsync(data, ct).ConfigureAwait(false);
                            break;
                        case ErrorChannel:
                            _status.Write(data.Span);
                            break;
                    }
                }

                if (result.EndOfMessage && !atStart)
                {
                    atStart = true;
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
            // The server went away or the session was disposed: whatever arrived is all there is.
        }
        finally
        {
            await (_stdout?.Writer.CompleteAsync() ?? ValueTask.CompletedTask).ConfigureAwait(false);
            await (_stderr?.Writer.CompleteAsync() ?? ValueTask.CompletedTask).ConfigureAwait(false);
        }

        // An attach ends with Success whatever the container's exit code: the container's status tells it.
        if (_attachedExit is not null)
        {
            return await _attachedExit().ConfigureAwait(false);
        }

        return _status.Length > 0 ? ExitCode(_status.ToArray()) : -1;
    }

    /// <summary>Success is 0; a NonZeroExitCode failure carries the code in its ExitCode cause; any other failure is -1 (unknown).</summary>
    internal static int ExitCode(byte[] status)
    {
        try
        {
            using var doc = JsonDocument.Parse(status);
            var root = doc.RootElement;
            if (root.TryGetProperty("status", out var s) && s.GetString() == "Success")
            {
                return 0;
            }

            if (root.TryGetProperty("details", out var details) && details.TryGetProperty("causes", out var causes) && causes.ValueKind == JsonValueKind.Array)
            {
                foreach (var cause in causes.EnumerateArray())
                {
                    if (cause.TryGetProperty("reason", out var reason) && reason.GetString() == "ExitCode"
                        && cause.TryGetProperty("message", out var message)
                        && int.TryParse(message.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var code))
                    {
                        return code;
                    }
                }
            }

            return -1;
        }
        catch (JsonException)
        {
            return -1;
        }
    }

    private async Task SendAsync(byte channel, ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        var frame = ArrayPool<byte>.Shared.Rent(data.Length + 1);
        try
        {
            frame[0] = channel;
            data.CopyTo(frame.AsMemory(1));
            await _sendLock.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                await _socket.SendAsync(frame.AsMemory(0, data.Length + 1), WebSocketMessageType.Binary, true, ct).ConfigureAwait(false);
            }
            finally
            {
                _sendLock.Release();
            }
        }
        catch (Exception e) when (e is WebSocketException or ObjectDisposedException && channel == ResizeChannel)
        {
            // a resize after the session ended is moot
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(frame);
        }
    }

    /// <summary>Writes become stdin messages. v4 cannot half-close stdin: disposing the stream only stops writes.</summary>
    private sealed class StdinStream(CriStreamSession session) : WriteOnlyStream
    {
        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            for (var offset = 0; offset < buffer.Length; offset += 16 * 1024)
            {
                var chunk = buffer.Slice(offset, Math.Min(16 * 1024, buffer.Length - offset));
                await session.SendAsync(StdinChannel, chunk, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
