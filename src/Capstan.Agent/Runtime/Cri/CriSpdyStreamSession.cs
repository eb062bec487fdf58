using System.Globalization;
using System.IO.Pipelines;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using Capstan.Agent.Streaming.Spdy;

namespace Capstan.Agent.Runtime.Cri;

/// <summary>
/// An exec or attach on the CRI runtime's streaming server, spoken as Kubernetes' SPDY/3.1 remote-command protocol
/// v4.channel.k8s.io (what kubectl and the kubelet speak). Unlike the websocket v4 protocol it can half-close stdin (a
/// DATA frame with FLAG_FIN on the stdin stream), which containerd 1.6 needs to see the end of piped input: its
/// streaming server predates v5.channel.k8s.io's close message. The client opens one stream per channel, tagged with
/// a streamType header; the error stream carries the final metav1.Status.
/// </summary>
internal sealed class CriSpdyStreamSession : IStreamSession
{
    private const string Protocol = "v4.channel.k8s.io";

    private readonly Stream _transport;
    private readonly SpdyConnection _connection;
    private readonly CancellationTokenSource _closed = new();
    private readonly Pipe? _stdout;
    private readonly Pipe? _stderr;
    private readonly Func<Task<int>>? _attachedExit;
    private readonly MemoryStream _status = new();
    private readonly uint _errorId;
    private readonly uint _stdinId;
    private readonly uint _stdoutId;
    private readonly uint _stderrId;
    private readonly uint _resizeId;
    private readonly Task<int> _completion;
    private int _disposed;

    private CriSpdyStreamSession(Stream transport, SpdyConnection connection, Ids ids, Func<Task<int>>? attachedExit)
    {
        _transport = transport;
        _connection = connection;
        _attachedExit = attachedExit;
        (_errorId, _stdinId, _stdoutId, _stderrId, _resizeId) = ids;
        _stdout = _stdoutId != 0 ? new Pipe() : null;
        _stderr = _stderrId != 0 ? new Pipe() : null;
        Stdin = _stdinId != 0 ? new StdinStream(this) : null;
        Stdout = _stdout?.Reader.AsStream();
        Stderr = _stderr?.Reader.AsStream();
        _completion = ReceiveAsync();
    }

    public Stream? Stdin { get; }

    public Stream? Stdout { get; }

    public Stream? Stderr { get; }

    public Task<int> Completion => _completion;

    /// <param name="attachedExit">For attach: the container's exit code once the stream ends (the server's status only says the attach worked).</param>
    public static async Task<CriSpdyStreamSession> ConnectAsync(
        Uri url, bool stdin, bool stdout, bool stderr, bool tty, Func<Task<int>>? attachedExit, CancellationToken ct)
    {
        var transport = await UpgradeAsync(url, ct).ConfigureAwait(false);
        var connection = new SpdyConnection(transport);
        try
        {
            // Client streams have odd ids. The server waits for exactly the streams the request asked for, error first.
            uint next = 1;
            var ids = new Ids(Open(), stdin ? Open() : 0, stdout ? Open() : 0, stderr ? Open() : 0, tty ? Open() : 0);
            await OpenAsync(ids.Error, "error").ConfigureAwait(false);
            await OpenAsync(ids.Stdin, "stdin").ConfigureAwait(false);
            await OpenAsync(ids.Stdout, "stdout").ConfigureAwait(false);
            await OpenAsync(ids.Stderr, "stderr").ConfigureAwait(false);
            await OpenAsync(ids.Resize, "resize").ConfigureAwait(false);
            return new CriSpdyStreamSession(transport, connection, ids, attachedExit);

            uint Open()
            {
                var id = next;
                next += 2;
                return id;
            }

            Task OpenAsync(uint id, string type) =>
                id == 0 ? Task.CompletedTask : connection.SendSynStreamAsync(id, [new("streamtype", type)], ct);
        }
        catch
        {
            connection.Dispose();
            await transport.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public void Resize(ushort columns, ushort rows)
    {
        if (_resizeId == 0)
        {
            return;
        }

        var json = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{{\"Width\":{columns},\"Height\":{rows}}}"));
        _ = SendQuietlyAsync(_resizeId, json, fin: false);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // Closing the connection ends the session on the server (and for exec, the command's streams).
        await _closed.CancelAsync().ConfigureAwait(false);
        await _transport.DisposeAsync().ConfigureAwait(false);
        try
        {
            await _completion.ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }

        _connection.Dispose();
        _closed.Dispose();
    }

    /// <summary>POSTs the upgrade request and returns the raw connection once the server answers 101 Switching Protocols.</summary>
    private static async Task<Stream> UpgradeAsync(Uri url, CancellationToken ct)
    {
        var client = new TcpClient { NoDelay = true };
        Stream? stream = null;
        try
        {
            await client.ConnectAsync(url.Host, url.Port, ct).ConfigureAwait(false);
            stream = client.GetStream();
            if (url.Scheme == "https")
            {
                // The runtime's streaming server is local and self-signed, as the kubelet treats it.
                var tls = new SslStream(stream, leaveInnerStreamOpen: false, (_, _, _, _) => true);
                await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = url.Host }, ct).ConfigureAwait(false);
                stream = tls;
            }

            var request = $"POST {url.PathAndQuery} HTTP/1.1\r\nHost: {url.Authority}\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n"
                + $"X-Stream-Protocol-Version: {Protocol}\r\nContent-Length: 0\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(request), ct).ConfigureAwait(false);
            await stream.FlushAsync(ct).ConfigureAwait(false);
            var head = await ReadHeadAsync(stream, ct).ConfigureAwait(false);
            var statusLine = head.Split("\r\n", 2)[0];
            var parts = statusLine.Split(' ', 3);
            if (parts.Length < 2 || parts[1] != "101")
            {
                throw new IOException($"the runtime's streaming server refused the SPDY upgrade: {statusLine}");
            }

            return stream;
        }
        catch
        {
            if (stream is not null)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }

            client.Dispose();
            throw;
        }
    }

    /// <summary>Reads the response head a byte at a time, so no SPDY frame bytes after it are consumed.</summary>
    private static async Task<string> ReadHeadAsync(Stream stream, CancellationToken ct)
    {
        var head = new List<byte>(256);
        var one = new byte[1];
        while (head.Count < 16 * 1024)
        {
            if (await stream.ReadAsync(one, ct).ConfigureAwait(false) == 0)
            {
                throw new IOException("the runtime's streaming server closed the connection during the upgrade");
            }

            head.Add(one[0]);
            var n = head.Count;
            if (n >= 4 && head[n - 4] == '\r' && head[n - 3] == '\n' && head[n - 2] == '\r' && head[n - 1] == '\n')
            {
                return Encoding.ASCII.GetString([.. head]);
            }
        }

        throw new IOException("the runtime's streaming server sent an oversized upgrade response");
    }

    private async Task<int> ReceiveAsync()
    {
        var ct = _closed.Token;
        var open = new HashSet<uint> { _errorId };
        if (_stdoutId != 0)
        {
            open.Add(_stdoutId);
        }

        if (_stderrId != 0)
        {
            open.Add(_stderrId);
        }

        try
        {
            // Done when the server has finished the error and output streams, or dropped the connection.
            while (open.Count > 0)
            {
                var frame = await _connection.ReadFrameAsync(ct).ConfigureAwait(false);
                if (frame is null)
                {
                    break;
                }

                if (frame.IsControl)
                {
                    switch (frame.Type)
                    {
                        case SpdyFrameType.Ping:
                            await _connection.SendPingAsync(frame.Payload, ct).ConfigureAwait(false);
                            break;
                        case SpdyFrameType.RstStream:
                            Finish(frame.StreamId);
                            break;
                        case SpdyFrameType.GoAway:
                            open.Clear();
                            break;
                        case SpdyFrameType.SynReply or SpdyFrameType.Headers when frame.Fin:
                            Finish(frame.StreamId);
                            break;
                    }

                    continue;
                }

                if (frame.Payload.Length > 0)
                {
                    if (frame.StreamId == _stdoutId && _stdout is not null)
                    {
                        await _stdout.Writer.WriteAsync(frame.Payload, ct).ConfigureAwait(false);
                    }
                    else if (frame.StreamId == _stderrId && _stderr is not null)
                    {
                        await _stderr.Writer.WriteAsync(frame.Payload, ct).ConfigureAwait(false);
                    }
                    else if (frame.StreamId == _errorId)
                    {
                        _status.Write(frame.Payload);
                    }
                }

                if (frame.Fin)
                {
                    Finish(frame.StreamId);
                }
            }
        }
        catch (Exception e) when (e is IOException or InvalidDataException or OperationCanceledException or ObjectDisposedException or SocketException)
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

        return _status.Length > 0 ? CriStreamSession.ExitCode(_status.ToArray()) : -1;

        void Finish(uint id) => open.Remove(id);
    }

    private async Task SendQuietlyAsync(uint streamId, ReadOnlyMemory<byte> data, bool fin)
    {
        try
        {
            await _connection.SendDataAsync(streamId, data, fin, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException)
        {
            // a resize or stdin close after the session ended is moot
        }
    }

    private readonly record struct Ids(uint Error, uint Stdin, uint Stdout, uint Stderr, uint Resize);

    /// <summary>Writes become stdin DATA frames; disposing sends FLAG_FIN, the end of the command's stdin.</summary>
    private sealed class StdinStream(CriSpdyStreamSession session) : WriteOnlyStream
    {
        private int _closed;

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _closed) != 0, this);
            if (buffer.Length > 0)
            {
                await session._connection.SendDataAsync(session._stdinId, buffer, fin: false, cancellationToken).ConfigureAwait(false);
            }
        }

        public override async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _closed, 1) == 0 && Volatile.Read(ref session._disposed) == 0)
            {
                await session.SendQuietlyAsync(session._stdinId, ReadOnlyMemory<byte>.Empty, fin: true).ConfigureAwait(false);
            }

            await base.DisposeAsync().ConfigureAwait(false);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing && Interlocked.Exchange(ref _closed, 1) == 0 && Volatile.Read(ref session._disposed) == 0)
            {
                session.SendQuietlyAsync(session._stdinId, ReadOnlyMemory<byte>.Empty, fin: true).GetAwaiter().GetResult();
            }

            base.Dispose(disposing);
        }
    }
}
