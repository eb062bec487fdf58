using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using Capstan.Agent.Streaming.Spdy;

namespace Capstan.Agent.Streaming;

/// <summary>
/// The server side of the portforward.k8s.io protocol over SPDY: for every forwarded connection the client opens an
/// error stream and then a data stream, both with headers <c>streamType</c>, <c>port</c> and <c>requestID</c>; the
/// server connects to the pod's port and copies the data stream to and from it, and reports a failure as text on
/// the error stream.
/// </summary>
internal sealed class PortForwardSession
{
    public const string Protocol = "portforward.k8s.io";

    /// <summary>The WebSocket subprotocol kubectl 1.31+ tunnels SPDY in (client-go tools/portforward, PortForwardWebsockets).</summary>
    public const string TunnelProtocol = "SPDY/3.1+" + Protocol;

    private const uint RstCancel = 5;

    private readonly SpdyConnection _connection;
    private readonly Func<int, CancellationToken, Task<Stream>> _connect;
    private readonly string _target;
    // Written by the read loop, pruned by finished forwards.
    private readonly ConcurrentDictionary<uint, Forward> _byStream = new();
    private readonly ConcurrentDictionary<string, Forward> _byRequest = new(StringComparer.Ordinal);
    private readonly List<Task> _running = [];

    /// <param name="connect">Opens a connection to the pod's port.</param>
    /// <param name="target">The pod, for error messages ("pod default/web").</param>
    public PortForwardSession(SpdyConnection connection, Func<int, CancellationToken, Task<Stream>> connect, string target)
    {
        _connection = connection;
        _connect = connect;
        _target = target;
    }

    public async Task RunAsync(CancellationToken ct)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        try
        {
            while (await _connection.ReadFrameAsync(stop.Token).ConfigureAwait(false) is { } frame)
            {
                if (!frame.IsControl)
                {
                    await OnDataAsync(frame, stop.Token).ConfigureAwait(false);
                    continue;
                }

                switch (frame.Type)
                {
                    case SpdyFrameType.SynStream:
                        await OnSynStreamAsync(frame, stop.Token).ConfigureAwait(false);
                        break;
                    case SpdyFrameType.RstStream:
                        if (_byStream.TryGetValue(frame.StreamId, out var reset))
                        {
                            await reset.Cancel.CancelAsync().ConfigureAwait(false);
                        }

                        break;
                    case SpdyFrameType.Ping:
                        await _connection.SendPingAsync(frame.Payload, stop.Token).ConfigureAwait(false);
                        break;
                    case SpdyFrameType.GoAway:
                        return;
                }
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            foreach (var forward in _byRequest.Values.ToList())
            {
                forward.ToPod.Writer.TryComplete();
            }

            try
            {
                await Task.WhenAll(_running).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
            {
            }
        }
    }

    private async Task OnSynStreamAsync(SpdyFrame frame, CancellationToken ct)
    {
        var headers = _connection.SynStreamHeaders(frame);
        string Header(string name) => headers.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value ?? "";
        await _connection.SendSynReplyAsync(frame.StreamId, ct).ConfigureAwait(false);

        var requestId = Header("requestID");
        var type = Header("streamType");
        if (!_byRequest.TryGetValue(requestId, out var forward))
        {
            forward = new Forward(CancellationTokenSource.CreateLinkedTokenSource(ct));
            _byRequest[requestId] = forward;
        }

        _byStream[frame.StreamId] = forward;
        if (type == "error")
        {
            forward.ErrorStream = frame.StreamId;
        }
        else if (type == "data")
        {
            forward.DataStream = frame.StreamId;
            forward.PortText = Header("port");
        }
        else
        {
            await _connection.SendRstStreamAsync(frame.StreamId, 1, ct).ConfigureAwait(false);
            return;
        }

        if (forward is { ErrorStream: not null, DataStream: not null } && !forward.Started)
        {
            forward.Started = true;
            _running.RemoveAll(t => t.IsCompleted);
            _running.Add(Task.Run(async () =>
            {
                try
                {
                    await ForwardAsync(forward).ConfigureAwait(false);
                }
                finally
                {
                    // Frames still arriving for these streams are dropped.
                    _byRequest.TryRemove(requestId, out _);
                    _byStream.TryRemove(forward.ErrorStream!.Value, out _);
                    _byStream.TryRemove(forward.DataStream!.Value, out _);
                }
            }, CancellationToken.None));
        }
    }

    private async Task OnDataAsync(SpdyFrame frame, CancellationToken ct)
    {
        if (!_byStream.TryGetValue(frame.StreamId, out var forward) || frame.StreamId != forward.DataStream)
        {
            return;
        }

        if (frame.Payload.Length > 0)
        {
            await forward.ToPod.Writer.WriteAsync(frame.Payload, ct).ConfigureAwait(false);
        }

        if (frame.Fin)
        {
            forward.ToPod.Writer.TryComplete();
        }
    }

    private async Task ForwardAsync(Forward forward)
    {
        var ct = forward.Cancel.Token;
        var dataStream = forward.DataStream!.Value;
        var errorStream = forward.ErrorStream!.Value;
        if (!int.TryParse(forward.PortText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            await FailAsync(forward, $"invalid port \"{forward.PortText}\"").ConfigureAwait(false);
            return;
        }

        Stream pod;
        try
        {
            pod = await _connect(port, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or IOException or InvalidOperationException)
        {
            await FailAsync(forward, $"error forwarding port {port} to {_target}: {ex.Message}").ConfigureAwait(false);
            return;
        }

        await using (pod.ConfigureAwait(false))
        {
            var up = Task.Run(async () =>
            {
                await foreach (var chunk in forward.ToPod.Reader.ReadAllAsync(ct).ConfigureAwait(false))
                {
                    await pod.WriteAsync(chunk, ct).ConfigureAwait(false);
                }

                // The client closed its side: the pod reads end of stream, and may still answer.
                if (pod is NetworkStream network)
                {
                    network.Socket.Shutdown(SocketShutdown.Send);
                }
            }, ct);

            try
            {
                var buffer = new byte[SpdyConnection.MaxDataFrame];
                int read;
                while ((read = await pod.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
                {
                    await _connection.SendDataAsync(dataStream, buffer.AsMemory(0, read), fin: false, ct).ConfigureAwait(false);
                }

                await _connection.SendDataAsync(dataStream, ReadOnlyMemory<byte>.Empty, fin: true, ct).ConfigureAwait(false);
                await _connection.SendDataAsync(errorStream, ReadOnlyMemory<byte>.Empty, fin: true, ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or SocketException)
            {
                await _connection.SendRstStreamAsync(dataStream, RstCancel, CancellationToken.None).ConfigureAwait(false);
            }

            await forward.Cancel.CancelAsync().ConfigureAwait(false);
            try
            {
                await up.ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
            {
            }
        }
    }

    private async Task FailAsync(Forward forward, string message)
    {
        var ct = forward.Cancel.Token;
        await _connection.SendDataAsync(forward.ErrorStream!.Value, Encoding.UTF8.GetBytes(message), fin: true, ct).ConfigureAwait(false);
        await _connection.SendDataAsync(forward.DataStream!.Value, ReadOnlyMemory<byte>.Empty, fin: true, ct).ConfigureAwait(false);
    }

    /// <summary>One forwarded connection: its pair of streams, the bytes on their way to the pod, its cancellation.</summary>
    private sealed class Forward(CancellationTokenSource cancel)
    {
        public CancellationTokenSource Cancel { get; } = cancel;

        public Channel<byte[]> ToPod { get; } = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });

        public uint? ErrorStream { get; set; }

        public uint? DataStream { get; set; }

        public string PortText { get; set; } = "";

        public bool Started { get; set; }
    }
}
