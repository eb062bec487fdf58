using System.Net.WebSockets;
using System.Text;

namespace Capstan.Agent.Runtime.Cri;

/// <summary>
/// One connection to a port inside a pod's network namespace, through the CRI streaming server's websocket port-forward
/// protocol: channel 0 carries the data, channel 1 errors, and the server opens each channel with the port (2 bytes, little endian).
/// Reaches ports the pod listens on only at 127.0.0.1, which dialling the pod IP cannot.
/// </summary>
internal sealed class CriPortForwardStream : Stream
{
    private const byte DataChannel = 0;
    private const byte ErrorChannel = 1;

    private readonly ClientWebSocket _socket;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly byte[] _receiveBuffer = new byte[32 * 1024];
    private readonly bool[] _prefixSeen = new bool[2];
    private ReadOnlyMemory<byte> _pending;
    private bool _ended;

    private CriPortForwardStream(ClientWebSocket socket)
    {
        _socket = socket;
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public static async Task<CriPortForwardStream> ConnectAsync(Uri url, int port, CancellationToken ct)
    {
        var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol(CriStreamSession.Protocol);
        // The websocket flavour takes its ports from the query, not from the CRI request.
        var target = new UriBuilder(url)
        {
            Scheme = url.Scheme == "https" ? "wss" : "ws",
            Query = (url.Query.Length > 1 ? url.Query[1..] + "&" : "") + "port=" + port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }.Uri;
        try
        {
            await socket.ConnectAsync(target, ct).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new CriPortForwardStream(socket);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (_pending.IsEmpty)
        {
            if (_ended)
            {
                return 0;
            }

            await ReceiveAsync(cancellationToken).ConfigureAwait(false);
        }

        var count = Math.Min(buffer.Length, _pending.Length);
        _pending[..count].CopyTo(buffer);
        _pending = _pending[count..];
        return count;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) =>
        ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var frame = new byte[buffer.Length + 1];
        frame[0] = DataChannel;
        buffer.CopyTo(frame.AsMemory(1));
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _socket.SendAsync(frame, WebSocketMessageType.Binary, true, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) =>
        WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override async ValueTask DisposeAsync()
    {
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

        _socket.Dispose();
        _sendLock.Dispose();
        await base.DisposeAsync().ConfigureAwait(false);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _socket.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>Reads one whole message; data becomes <see cref="_pending"/>, an error message fails the read.</summary>
    private async Task ReceiveAsync(CancellationToken ct)
    {
        var length = 0;
        ValueWebSocketReceiveResult result;
        do
        {
            if (length == _receiveBuffer.Length)
            {
                throw new IOException("port-forward message larger than the receive buffer");
            }

            try
            {
                result = await _socket.ReceiveAsync(_receiveBuffer.AsMemory(length), ct).ConfigureAwait(false);
            }
            catch (WebSocketException)
            {
                _ended = true;
                return;
            }

            if (result.MessageType == WebSocketMessageType.Close)
            {
                _ended = true;
                return;
            }

            length += result.Count;
        }
        while (!result.EndOfMessage);

        if (length == 0)
        {
            return;
        }

        var channel = _receiveBuffer[0];
        var data = _receiveBuffer.AsMemory(1, length - 1);
        if (channel > ErrorChannel)
        {
            return;
        }

        if (!_prefixSeen[channel])
        {
            // The channel's opening message names the port; it may share the message with data.
            _prefixSeen[channel] = true;
            data = data.Length >= 2 ? data[2..] : Memory<byte>.Empty;
        }

        if (data.IsEmpty)
        {
            return;
        }

        if (channel == ErrorChannel)
        {
            _ended = true;
            throw new IOException("port-forward: " + Encoding.UTF8.GetString(data.Span));
        }

        _pending = data.ToArray();
    }
}
