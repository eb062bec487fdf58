using System.Buffers.Binary;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Threading.Channels;

namespace Capstan.Agent.Streaming;

/// <summary>
/// Port-forward over the WebSocket channel protocol (<c>v4.channel.k8s.io</c>, or no subprotocol), as the official
/// client libraries use it: one connection per requested port, port i on channels 2i (data) and 2i+1 (error); the
/// server first sends each channel the port as an unsigned 16-bit little-endian number.
/// </summary>
internal sealed class ChannelPortForwardSession
{
    public const string Protocol = "v4.channel.k8s.io";

    private readonly WebSocket _socket;
    private readonly IReadOnlyList<int> _ports;
    private readonly Func<int, CancellationToken, Task<Stream>> _connect;
    private readonly string _target;
    private readonly SemaphoreSlim _sendLock = new(1, 1);

    public ChannelPortForwardSession(WebSocket socket, IReadOnlyList<int> ports, Func<int, CancellationToken, Task<Stream>> connect, string target)
    {
        _socket = socket;
        _ports = ports;
        _connect = connect;
        _target = target;
    }

    public async Task RunAsync(CancellationToken ct)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var toPod = _ports.Select(_ => Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true })).ToArray();
        try
        {
            for (var i = 0; i < _ports.Count; i++)
            {
                var port = new byte[2];
                BinaryPrimitives.WriteUInt16LittleEndian(port, (ushort)_ports[i]);
                await SendAsync((byte)(2 * i), port, stop.Token).ConfigureAwait(false);
                await SendAsync((byte)(2 * i + 1), port, stop.Token).ConfigureAwait(false);
            }

            var forwards = _ports.Select((port, i) => ForwardAsync(i, port, toPod[i].Reader, stop.Token)).ToList();
            var receive = ReceiveAsync(toPod, stop.Token);
            var all = Task.WhenAll(forwards);
            if (await Task.WhenAny(all, receive).ConfigureAwait(false) == all)
            {
                // Every pod connection has ended: close, and give the client a moment to answer.
                using var bound = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
                bound.CancelAfter(TimeSpan.FromSeconds(5));
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, bound.Token).ConfigureAwait(false);
                await Task.WhenAny(receive, Task.Delay(TimeSpan.FromSeconds(5), stop.Token)).ConfigureAwait(false);
            }
            else if (_socket.State == WebSocketState.CloseReceived)
            {
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, stop.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or IOException)
        {
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
        }
    }

    private async Task ForwardAsync(int index, int port, ChannelReader<byte[]> fromClient, CancellationToken ct)
    {
        var data = (byte)(2 * index);
        Stream pod;
        try
        {
            pod = await _connect(port, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or IOException or InvalidOperationException)
        {
            await SendAsync((byte)(data + 1), Encoding.UTF8.GetBytes($"error forwarding port {port} to {_target}: {ex.Message}"), ct).ConfigureAwait(false);
            return;
        }

        await using (pod.ConfigureAwait(false))
        {
            using var done = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var up = Task.Run(async () =>
            {
                await foreach (var chunk in fromClient.ReadAllAsync(done.Token).ConfigureAwait(false))
                {
                    await pod.WriteAsync(chunk, done.Token).ConfigureAwait(false);
                }
            }, done.Token);
            try
            {
                var buffer = new byte[32 * 1024];
                int read;
                while ((read = await pod.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
                {
                    await SendAsync(data, buffer.AsMemory(0, read), ct).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is IOException or SocketException)
            {
            }

            await done.CancelAsync().ConfigureAwait(false);
            try
            {
                await up.ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
            {
            }
        }
    }

    private async Task ReceiveAsync(Channel<byte[]>[] toPod, CancellationToken ct)
    {
        var buffer = new byte[32 * 1024];
        using var message = new MemoryStream();
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

                var bytes = message.ToArray();
                message.SetLength(0);
                if (bytes.Length > 1 && bytes[0] % 2 == 0 && bytes[0] / 2 < toPod.Length)
                {
                    await toPod[bytes[0] / 2].Writer.WriteAsync(bytes[1..], ct).ConfigureAwait(false);
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or IOException)
        {
        }
        finally
        {
            foreach (var channel in toPod)
            {
                channel.Writer.TryComplete();
            }
        }
    }

    private async Task SendAsync(byte channel, ReadOnlyMemory<byte> payload, CancellationToken ct)
    {
        var message = new byte[payload.Length + 1];
        message[0] = channel;
        payload.CopyTo(message.AsMemory(1));
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
}
